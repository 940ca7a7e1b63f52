// CUDA NTT in two passes over memory, each a shared-memory kernel doing several butterfly stages
// (the index math and per-stage work are the HNN_HD functions of ntt_blocked.h, which the CPU test
// test_ntt_blocked runs in a block emulator against the portable CPU NTT).
// Forward: column pass (stages 0 .. s1-1), then row pass (stages s1 .. log_n-1, reduce fused into
// the store). Inverse: row pass (stages log_n-1 .. s1), then column pass (stages s1-1 .. 1 and the
// last stage fused with N^{-1}). Each pass reads and writes every word once.
// On an emulated stream the same functions run on the host, block by block and phase by phase.
#include <vector>

#include "../../../rns/src/cuda/check.cuh"
#include "hnn/ntt/butterfly.h"
#include "hnn/ntt/ntt_cuda.h"
#include "hnn/rns/error.h"
#include "ntt_blocked.h"

namespace hnn::ntt::cuda {
namespace {

namespace nb = hnn::ntt::blocked;
static_assert(nb::kScalarsPerTable == DeviceNttPlan::kScalarsPerLimb,
              "scalars layout of ntt_blocked.h");

// One limb of a pass: its words, its twiddles (forward or inverse, with Shoup companions) and scalars.
struct PassLimb {
  uint64_t* words;
  const uint64_t *w, *ws;
  nb::LimbScalars c;
};
HNN_HD PassLimb pass_limb(uint64_t* data, const uint64_t* roots, const uint64_t* roots_shoup,
                          const uint64_t* scalars, const nb::Shape& shape, const hnn::cuda::LimbMap& map,
                          unsigned entry) {
  const nb::LimbView v = nb::limb_view(shape, map.position[entry], map.table[entry], DeviceNttPlan::kScalarsPerLimb);
  return {data + v.words, roots + v.twiddles, roots_shoup + v.twiddles, nb::load_scalars(scalars + v.scalars_at)};
}

// Both executors are HNN_HD so that the block bodies compile for both sides; each runs on one.
struct DevicePhase {
  template <class F>
  HNN_HD void operator()(const F& f) const {
#if defined(__CUDA_ARCH__)
    f(threadIdx.x);
    __syncthreads();
#else
    (void)f;  // never called on the host: kernels alone use it
#endif
  }
};

struct HostPhase {
  unsigned threads;
  template <class F>
  HNN_HD void operator()(const F& f) const {
    for (unsigned tid = 0; tid < threads; ++tid) f(tid);
  }
};

// blockIdx.x = column group (column pass) or group of consecutive rows (row pass), blockIdx.y =
// entry of the limb map.
template <bool kForward, bool kColumns>
__global__ void __launch_bounds__(nb::kMaxThreads)
    pass_kernel(uint64_t* data, const uint64_t* __restrict__ roots, const uint64_t* __restrict__ roots_shoup,
                const uint64_t* __restrict__ scalars, nb::Shape shape, hnn::cuda::LimbMap map) {
  extern __shared__ uint64_t sh[];
  const PassLimb l = pass_limb(data, roots, roots_shoup, scalars, shape, map, blockIdx.y);
  if constexpr (kColumns)
    nb::column_block<kForward>(DevicePhase{}, blockIdx.x, shape, l.words, sh, l.w, l.ws, l.c);
  else
    nb::row_block<kForward>(DevicePhase{}, blockIdx.x, shape, l.words, sh, l.w, l.ws, l.c);
}

// One pass over every limb of the map: a kernel launch, or on an emulated stream every block of
// the grid in turn with a host vector as its shared memory.
template <bool kForward, bool kColumns>
void run_pass(uint64_t* data, const uint64_t* roots, const uint64_t* roots_shoup, const uint64_t* scalars,
              const nb::Shape& shape, const hnn::cuda::LimbMap& map, const hnn::cuda::Stream& stream) {
  const unsigned blocks = kColumns ? shape.column_blocks() : shape.row_blocks();
  const unsigned threads = kColumns ? shape.column_threads() : shape.row_threads();
  const std::size_t shared = kColumns ? shape.column_shared_bytes() : shape.row_shared_bytes();
  hnn::cuda::note_launch();
  if (!stream.is_emulated()) {
    hnn::cuda::use_device_of(stream);
    pass_kernel<kForward, kColumns><<<dim3(blocks, map.count), threads, shared, hnn::cuda::stream_of(stream)>>>(
        data, roots, roots_shoup, scalars, shape, map);
    hnn::cuda::check_launch(stream, kColumns ? "NTT column pass" : "NTT row pass");
    return;
  }
  std::vector<uint64_t> sh(shared / sizeof(uint64_t));
  for (uint32_t e = 0; e < map.count; ++e) {
    const PassLimb l = pass_limb(data, roots, roots_shoup, scalars, shape, map, e);
    for (unsigned blk = 0; blk < blocks; ++blk) {
      if constexpr (kColumns)
        nb::column_block<kForward>(HostPhase{threads}, blk, shape, l.words, sh.data(), l.w, l.ws, l.c);
      else
        nb::row_block<kForward>(HostPhase{threads}, blk, shape, l.words, sh.data(), l.w, l.ws, l.c);
    }
  }
}

}  // namespace

DeviceNttPlan::DeviceNttPlan(const std::vector<const NttTables*>& tables,
                             const hnn::cuda::Stream& stream) {
  HNN_REQUIRE(!tables.empty(), "a device NTT plan needs at least one limb");
  n_ = tables[0]->n();
  log_n_ = tables[0]->log_n();
  HNN_REQUIRE(log_n_ >= blocked::kMinLogN && log_n_ <= blocked::kMaxLogN,
              "the CUDA NTT takes N = 2^", blocked::kMinLogN, " .. 2^", blocked::kMaxLogN,
              ", not N = ", n_);
  limbs_ = tables.size();
  std::vector<uint64_t> r(limbs_ * n_), rs(limbs_ * n_), ir(limbs_ * n_), irs(limbs_ * n_);
  std::vector<uint64_t> sc(limbs_ * kScalarsPerLimb);
  for (std::size_t l = 0; l < limbs_; ++l) {
    const NttTables& t = *tables[l];
    HNN_REQUIRE(t.n() == n_, "a device NTT plan cannot mix ring sizes");
    std::copy(t.root_powers(), t.root_powers() + n_, r.begin() + l * n_);
    std::copy(t.root_powers_shoup(), t.root_powers_shoup() + n_, rs.begin() + l * n_);
    std::copy(t.inv_root_powers(), t.inv_root_powers() + n_, ir.begin() + l * n_);
    std::copy(t.inv_root_powers_shoup(), t.inv_root_powers_shoup() + n_, irs.begin() + l * n_);
    blocked::write_scalars(t, sc.data() + l * kScalarsPerLimb);
  }
  const std::size_t bytes = limbs_ * n_ * sizeof(uint64_t);
  roots_ = hnn::cuda::DeviceBuffer(bytes, stream);
  roots_shoup_ = hnn::cuda::DeviceBuffer(bytes, stream);
  inv_roots_ = hnn::cuda::DeviceBuffer(bytes, stream);
  inv_roots_shoup_ = hnn::cuda::DeviceBuffer(bytes, stream);
  scalars_ = hnn::cuda::DeviceBuffer(sc.size() * sizeof(uint64_t), stream);
  roots_.upload(r.data(), bytes, stream);
  roots_shoup_.upload(rs.data(), bytes, stream);
  inv_roots_.upload(ir.data(), bytes, stream);
  inv_roots_shoup_.upload(irs.data(), bytes, stream);
  scalars_.upload(sc.data(), sc.size() * sizeof(uint64_t), stream);
  stream.synchronize();  // the host vectors go out of scope
}

void transform(const DeviceNttPlan& plan, Direction direction, uint64_t* words,
               const hnn::cuda::Stream& stream) {
  transform(plan, direction, words, hnn::cuda::LimbMap::contiguous(plan.limbs()), stream);
}

void transform(const DeviceNttPlan& plan, Direction direction, uint64_t* words,
               const hnn::cuda::LimbMap& map, const hnn::cuda::Stream& stream) {
  if (map.count == 0) return;
  for (uint32_t t = 0; t < map.count; ++t)
    HNN_ASSERT(map.table[t] < plan.limbs(), "NTT limb map names table ", map.table[t], " of ",
               plan.limbs());
  const nb::Shape shape = nb::choose_shape(plan.log_n(), map.count);
  HNN_ASSERT(shape.valid(), "NTT block shape for log_n = ", plan.log_n());
  if (direction == Direction::Forward) {
    run_pass<true, true>(words, plan.roots(), plan.roots_shoup(), plan.scalars(), shape, map, stream);
    run_pass<true, false>(words, plan.roots(), plan.roots_shoup(), plan.scalars(), shape, map, stream);
  } else {
    run_pass<false, false>(words, plan.inv_roots(), plan.inv_roots_shoup(), plan.scalars(), shape, map, stream);
    run_pass<false, true>(words, plan.inv_roots(), plan.inv_roots_shoup(), plan.scalars(), shape, map, stream);
  }
}

}  // namespace hnn::ntt::cuda
