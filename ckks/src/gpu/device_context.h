// DeviceContext: a Context's tables on one CUDA device (or the emulated one), built once on first
// use (Context::device_context) and shared by every operation on that device. Internal to ckks/.
//
// One prime table and one NTT plan cover all QP primes in QP order (0..L the Q primes, then the
// special primes), so a LimbMap names any limb set of any level; the base converters of every
// level's ModUp digits, ModDown and fused ModDown+rescale are uploaded once; Galois permutations
// are uploaded on first use. Every operation on this device, of this context or any other (the
// bootstrapping's encapsulation context, say), is ordered on one stream per device, stream().
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "hnn/ckks/context.h"
#include "hnn/ntt/ntt_cuda.h"
#include "hnn/rns/cuda.h"
#include "hnn/rns/cuda_poly.h"
#include "hnn/rns/rns_poly.h"

namespace hnn::ckks::gpu {

class DeviceContext {
 public:
  DeviceContext(const Context& ctx, rns::Device device);
  DeviceContext(const DeviceContext&) = delete;
  DeviceContext& operator=(const DeviceContext&) = delete;

  const Context& context() const { return ctx_; }
  rns::Device device() const { return device_; }
  const cuda::Stream& stream() const { return stream_; }
  // Device array of every QP prime, in QP order.
  const rns::Modulus* moduli() const { return moduli_.as<rns::Modulus>(); }
  const ntt::cuda::DeviceNttPlan& ntt() const { return *ntt_; }
  const cuda::DeviceBaseConverter& mod_up(int level, int digit) const { return mod_up_[level][digit]; }
  const cuda::DeviceBaseConverter& mod_down(int level) const { return mod_down_[level]; }
  const cuda::DeviceBaseConverter& mod_down_rescale(int level) const { return mod_down_rescale_[level - 1]; }
  // Limb maps, built once: an extended polynomial's limbs at `level` (position t, its QP index),
  // and the scattered targets of a ModUp digit (their positions in the extended polynomial).
  const cuda::LimbMap& extended(int level) const { return extended_[level]; }
  const cuda::LimbMap& mod_up_targets(int level, int digit) const { return mod_up_targets_[level][digit]; }
  // Per-limb constants with their Shoup companions, as kernel arguments: P mod q_i and P^{-1} mod
  // q_i (every Q limb; a call at a lower level reads the first ones), q_l^{-1} and (P q_l)^{-1}
  // mod q_i for the rescale and the fused ModDown from level l.
  struct Constants {
    cuda::poly::LimbScalars w, ws;
  };
  const Constants& p_mod_q() const { return p_mod_q_; }
  const Constants& p_inv_mod_q() const { return p_inv_mod_q_; }
  const Constants& inv_q_last(int level) const { return inv_q_last_[level - 1]; }
  const Constants& pq_last_inv(int level) const { return pq_last_inv_[level - 1]; }
  // The encoder's tables: the rotation group (N/2 words) and the 2N+1 roots of unity (re, im).
  const uint32_t* rot_group() const { return rot_group_.as<uint32_t>(); }
  const double* ksi_pows() const { return ksi_pows_.as<double>(); }
  // The device copy of one of ctx.galois_permutation()'s permutations (which live as long as the
  // context: the copy is found by their address).
  const uint32_t* permutation(const std::vector<uint32_t>& host_perm) const;

  // An uninitialized polynomial on this device, ordered on stream().
  rns::RnsPoly make_poly(std::size_t limbs, rns::Domain domain) const;

 private:
  const Context& ctx_;
  rns::Device device_;
  const cuda::Stream& stream_;  // the device's stream, shared by every context (never destroyed)
  cuda::DeviceBuffer moduli_;
  std::unique_ptr<ntt::cuda::DeviceNttPlan> ntt_;
  std::vector<std::vector<cuda::DeviceBaseConverter>> mod_up_;
  std::vector<cuda::DeviceBaseConverter> mod_down_;
  std::vector<cuda::DeviceBaseConverter> mod_down_rescale_;  // from level 1
  std::vector<cuda::LimbMap> extended_;
  std::vector<std::vector<cuda::LimbMap>> mod_up_targets_;
  Constants p_mod_q_, p_inv_mod_q_;
  std::vector<Constants> inv_q_last_, pq_last_inv_;  // from level 1
  cuda::DeviceBuffer rot_group_, ksi_pows_;
  mutable std::mutex perm_mutex_;
  mutable std::map<const std::vector<uint32_t>*, cuda::DeviceBuffer> perms_;
};

}  // namespace hnn::ckks::gpu
