// CUDA NTT: one kernel launch per butterfly stage over all limbs, then the final pass.
// This first version favours being exactly the CPU's arithmetic (one butterfly per thread, the
// shared HNN_HD butterflies) over speed; the shared-memory multi-stage kernels replace it once a
// GPU is at hand to measure them against the bandwidth floor.
#include "../../../rns/src/cuda/check.cuh"
#include "hnn/ntt/butterfly.h"
#include "hnn/ntt/ntt_cuda.h"
#include "hnn/rns/error.h"

namespace hnn::ntt::cuda {
namespace {

constexpr int kThreads = 256;

// One butterfly stage (m groups) over all limbs: Cooley-Tukey forward, Gentleman-Sande inverse.
template <bool kForward>
__global__ void butterfly_stage(uint64_t* data, const uint64_t* roots, const uint64_t* roots_shoup,
                                const uint64_t* scalars, int log_n, int log_m) {
  const std::size_t n = std::size_t{1} << log_n;
  const std::size_t limb = blockIdx.y;
  const std::size_t b = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (b >= (n >> 1)) return;
  const int log_gap = log_n - 1 - log_m;
  const std::size_t i = b >> log_gap, j = b & ((std::size_t{1} << log_gap) - 1);
  const std::size_t w = limb * n + (std::size_t{1} << log_m) + i;
  uint64_t* a = data + limb * n;
  const std::size_t x = (i << (log_gap + 1)) + j, y = x + (std::size_t{1} << log_gap);
  const uint64_t q = scalars[limb * DeviceNttPlan::kScalarsPerLimb];
  uint64_t u = a[x], v = a[y];
  if constexpr (kForward)
    ct_butterfly(u, v, roots[w], roots_shoup[w], q);
  else
    gs_butterfly(u, v, roots[w], roots_shoup[w], q);
  a[x] = u;
  a[y] = v;
}

__global__ void reduce_from_4q_kernel(uint64_t* data, const uint64_t* scalars, int log_n) {
  const std::size_t n = std::size_t{1} << log_n;
  const std::size_t limb = blockIdx.y;
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  const uint64_t q = scalars[limb * DeviceNttPlan::kScalarsPerLimb];
  data[limb * n + c] = reduce_from_4q(data[limb * n + c], q);
}

// The last inverse stage (m = 1) fused with the multiplication by N^{-1}, as on the CPU.
__global__ void inverse_last_stage(uint64_t* data, const uint64_t* scalars, int log_n) {
  const std::size_t n = std::size_t{1} << log_n;
  const std::size_t half = n >> 1;
  const std::size_t limb = blockIdx.y;
  const std::size_t j = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (j >= half) return;
  const uint64_t* s = scalars + limb * DeviceNttPlan::kScalarsPerLimb;
  const uint64_t q = s[0], inv_n = s[1], inv_n_s = s[2], wn = s[3], wn_s = s[4];
  uint64_t* a = data + limb * n;
  const uint64_t u = a[j], v = a[j + half];
  a[j] = rns::mul_shoup(u + v, inv_n, inv_n_s, q);
  a[j + half] = rns::mul_shoup(u - v + (q << 1), wn, wn_s, q);
}

}  // namespace

DeviceNttPlan::DeviceNttPlan(const std::vector<const NttTables*>& tables, const hnn::cuda::Stream& stream) {
  HNN_REQUIRE(!tables.empty(), "a device NTT plan needs at least one limb");
  n_ = tables[0]->n();
  log_n_ = tables[0]->log_n();
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
    const uint64_t q = t.modulus().value;
    const uint64_t wn = rns::mul_mod(t.inv_root_powers()[1], t.inv_n(), t.modulus());
    uint64_t* s = sc.data() + l * kScalarsPerLimb;
    s[0] = q;
    s[1] = t.inv_n();
    s[2] = t.inv_n_shoup();
    s[3] = wn;
    s[4] = rns::shoup_precompute(wn, q);
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

void transform(const DeviceNttPlan& plan, Direction direction, uint64_t* words, const hnn::cuda::Stream& stream) {
  const std::size_t n = plan.n();
  const int log_n = plan.log_n();
  const cudaStream_t s = hnn::cuda::stream_of(stream);
  const dim3 half_grid(static_cast<unsigned>((n / 2 + kThreads - 1) / kThreads), static_cast<unsigned>(plan.limbs()));
  const dim3 full_grid(static_cast<unsigned>((n + kThreads - 1) / kThreads), static_cast<unsigned>(plan.limbs()));
  if (direction == Direction::Forward) {
    for (int log_m = 0; log_m < log_n; ++log_m)
      butterfly_stage<true><<<half_grid, kThreads, 0, s>>>(words, plan.roots(), plan.roots_shoup(), plan.scalars(), log_n, log_m);
    reduce_from_4q_kernel<<<full_grid, kThreads, 0, s>>>(words, plan.scalars(), log_n);
  } else {
    for (int log_m = log_n - 1; log_m >= 1; --log_m)
      butterfly_stage<false><<<half_grid, kThreads, 0, s>>>(words, plan.inv_roots(), plan.inv_roots_shoup(), plan.scalars(), log_n, log_m);
    inverse_last_stage<<<half_grid, kThreads, 0, s>>>(words, plan.scalars(), log_n);
  }
  HNN_CUDA_CHECK(cudaGetLastError(), "NTT kernel launch");
}

}  // namespace hnn::ntt::cuda
