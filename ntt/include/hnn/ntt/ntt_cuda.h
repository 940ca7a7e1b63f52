// The negacyclic NTT on a CUDA device: the same conventions, tables and butterflies as the CPU
// (hnn/ntt/ntt.h, hnn/ntt/butterfly.h), so the words it produces are bit-identical.
// Plain C++ header; the kernels live in ntt/src/cuda/.
#pragma once
#include <cstdint>
#include <vector>

#include "hnn/ntt/ntt.h"
#include "hnn/rns/cuda.h"
#include "hnn/rns/limb_map.h"

namespace hnn::ntt::cuda {

// Twiddle tables of a batch of limbs, uploaded once (the device twin of NttPlan's tables).
class DeviceNttPlan {
 public:
  DeviceNttPlan(const std::vector<const NttTables*>& tables, const hnn::cuda::Stream& stream);
  std::size_t n() const { return n_; }
  int log_n() const { return log_n_; }
  std::size_t limbs() const { return limbs_; }
  // Device arrays, limb-major: [limb * n + k].
  const uint64_t* roots() const { return roots_.as<uint64_t>(); }
  const uint64_t* roots_shoup() const { return roots_shoup_.as<uint64_t>(); }
  const uint64_t* inv_roots() const { return inv_roots_.as<uint64_t>(); }
  const uint64_t* inv_roots_shoup() const { return inv_roots_shoup_.as<uint64_t>(); }
  // Per limb: q, N^{-1}, its Shoup companion, psi^{-brev(1)} / N and its Shoup companion.
  const uint64_t* scalars() const { return scalars_.as<uint64_t>(); }
  static constexpr int kScalarsPerLimb = 5;

 private:
  std::size_t n_ = 0, limbs_ = 0;
  int log_n_ = 0;
  hnn::cuda::DeviceBuffer roots_, roots_shoup_, inv_roots_, inv_roots_shoup_, scalars_;
};

// In place on the limbs `map` names: limb map.position[t] of `device_words` (N words each) with
// the plan's tables map.table[t]. Ordered on `stream`. One plan over every prime of a context thus
// serves any level, extended bases and scattered limbs.
void transform(const DeviceNttPlan& plan, Direction direction, uint64_t* device_words,
               const hnn::cuda::LimbMap& map, const hnn::cuda::Stream& stream);
// All plan.limbs() limbs of a dense buffer, limb i with tables i.
void transform(const DeviceNttPlan& plan, Direction direction, uint64_t* device_words,
               const hnn::cuda::Stream& stream);

}  // namespace hnn::ntt::cuda
