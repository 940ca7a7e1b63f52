#include "check.cuh"
#include "hnn/rns/cuda_poly.h"

namespace hnn::cuda::poly {
namespace {

constexpr int kThreads = 256;

dim3 grid_for(std::size_t limbs, std::size_t n) {
  return dim3(static_cast<unsigned>((n + kThreads - 1) / kThreads), static_cast<unsigned>(limbs));
}

__global__ void binary_kernel(Op op, const uint64_t* a, const uint64_t* b, uint64_t* out,
                              const rns::Modulus* moduli, std::size_t n) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  const std::size_t limb = blockIdx.y, k = limb * n + c;
  const rns::Modulus m = moduli[limb];
  switch (op) {
    case Op::Add: out[k] = rns::add_mod(a[k], b[k], m.value); break;
    case Op::Sub: out[k] = rns::sub_mod(a[k], b[k], m.value); break;
    case Op::Mul: out[k] = rns::mul_mod(a[k], b[k], m); break;
  }
}

__global__ void mul_add_kernel(const uint64_t* a, const uint64_t* b, const uint64_t* c, uint64_t* out,
                               const rns::Modulus* moduli, std::size_t n) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const std::size_t limb = blockIdx.y, k = limb * n + i;
  const rns::Modulus m = moduli[limb];
  out[k] = rns::add_mod(a[k], rns::mul_mod(b[k], c[k], m), m.value);
}

__global__ void tensor_kernel(const uint64_t* a0, const uint64_t* a1, const uint64_t* b0, const uint64_t* b1,
                              uint64_t* d0, uint64_t* d1, uint64_t* d2, const rns::Modulus* moduli,
                              std::size_t n) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const std::size_t limb = blockIdx.y, k = limb * n + i;
  const rns::Modulus m = moduli[limb];
  const uint64_t x0 = a0[k], x1 = a1[k], y0 = b0[k], y1 = b1[k];
  d0[k] = rns::mul_mod(x0, y0, m);
  // x0 y1 + x1 y0 with one reduction, as the CPU evaluator does (sum < 2^123).
  uint64_t h1, l1, h2, l2;
  rns::mul_wide(x0, y1, h1, l1);
  rns::mul_wide(x1, y0, h2, l2);
  const uint64_t lo = l1 + l2;
  const uint64_t hi = h1 + h2 + (lo < l1);
  d1[k] = rns::reduce_128(hi, lo, m);
  d2[k] = rns::mul_mod(x1, y1, m);
}

__global__ void permute_kernel(const uint64_t* in, const uint32_t* perm, uint64_t* out, std::size_t n) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  const std::size_t base = blockIdx.y * n;
  out[base + c] = in[base + perm[c]];
}

__global__ void inner_product_kernel(const uint64_t* ext, const uint64_t* key_b, const uint64_t* key_a,
                                     uint64_t* out0, uint64_t* out1, const rns::Modulus* moduli,
                                     std::size_t digits, std::size_t ext_limbs, std::size_t limbs_q,
                                     std::size_t key_limbs, std::size_t key_p_offset, std::size_t n) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  const std::size_t i = blockIdx.y;
  const std::size_t key_limb = i < limbs_q ? i : key_p_offset + (i - limbs_q);
  // 128-bit accumulators as (hi, lo) pairs: each product < 2^122, at most 64 digits.
  uint64_t h0 = 0, l0 = 0, h1 = 0, l1 = 0;
  for (std::size_t j = 0; j < digits; ++j) {
    const uint64_t x = ext[(j * ext_limbs + i) * n + c];
    uint64_t ph, pl;
    rns::mul_wide(x, key_b[(j * key_limbs + key_limb) * n + c], ph, pl);
    l0 += pl;
    h0 += ph + (l0 < pl);
    rns::mul_wide(x, key_a[(j * key_limbs + key_limb) * n + c], ph, pl);
    l1 += pl;
    h1 += ph + (l1 < pl);
  }
  const rns::Modulus m = moduli[i];
  out0[i * n + c] = rns::reduce_128(h0, l0, m);
  out1[i * n + c] = rns::reduce_128(h1, l1, m);
}

// Fast base conversion, one thread per coefficient and target limb (rns::BaseConverter's loops).
template <bool kCentered>
__global__ void base_convert_kernel(const uint64_t* in, uint64_t* out, const rns::Modulus* from,
                                    const rns::Modulus* to, const uint64_t* qhat_inv,
                                    const uint64_t* qhat_inv_shoup, const uint64_t* ahat_mod_b,
                                    const uint64_t* a_mod_b, const double* inv_a, std::size_t k,
                                    std::size_t n) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  const std::size_t j = blockIdx.y;
  const rns::Modulus bj = to[j];
  if (k == 1 && !kCentered) {
    out[j * n + c] = rns::reduce_64(in[c], bj);
    return;
  }
  uint64_t hi = 0, lo = 0;
  double frac = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const uint64_t y = rns::mul_shoup(in[i * n + c], qhat_inv[i], qhat_inv_shoup[i], from[i].value);
    uint64_t ph, pl;
    rns::mul_wide(y, ahat_mod_b[j * k + i], ph, pl);
    lo += pl;
    hi += ph + (lo < pl);
    // The same rounding as the CPU loop: no fused multiply-add.
    if constexpr (kCentered) frac = __dadd_rn(frac, __dmul_rn(static_cast<double>(y), inv_a[i]));
  }
  uint64_t r = rns::reduce_128(hi, lo, bj);
  if constexpr (kCentered) {
    const uint64_t v = static_cast<uint64_t>(llround(frac));
    r = rns::sub_mod(r, rns::mul_mod(v, a_mod_b[j], bj), bj.value);
  }
  out[j * n + c] = r;
}

}  // namespace

void permute(const uint64_t* in, const uint32_t* perm, uint64_t* out, std::size_t limbs, std::size_t n,
             const Stream& stream) {
  permute_kernel<<<grid_for(limbs, n), kThreads, 0, stream_of(stream)>>>(in, perm, out, n);
  HNN_CUDA_CHECK(cudaGetLastError(), "permute kernel launch");
}

void key_switch_inner_product(const uint64_t* ext, const uint64_t* key_b, const uint64_t* key_a,
                              uint64_t* out0, uint64_t* out1, const rns::Modulus* ext_moduli,
                              std::size_t digits, std::size_t ext_limbs, std::size_t limbs_q,
                              std::size_t key_limbs, std::size_t key_p_offset, std::size_t n,
                              const Stream& stream) {
  inner_product_kernel<<<grid_for(ext_limbs, n), kThreads, 0, stream_of(stream)>>>(
      ext, key_b, key_a, out0, out1, ext_moduli, digits, ext_limbs, limbs_q, key_limbs, key_p_offset, n);
  HNN_CUDA_CHECK(cudaGetLastError(), "key-switching inner product launch");
}

void binary(Op op, const uint64_t* a, const uint64_t* b, uint64_t* out, const rns::Modulus* moduli,
            std::size_t limbs, std::size_t n, const Stream& stream) {
  binary_kernel<<<grid_for(limbs, n), kThreads, 0, stream_of(stream)>>>(op, a, b, out, moduli, n);
  HNN_CUDA_CHECK(cudaGetLastError(), "binary kernel launch");
}

void mul_add(const uint64_t* a, const uint64_t* b, const uint64_t* c, uint64_t* out,
             const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream) {
  mul_add_kernel<<<grid_for(limbs, n), kThreads, 0, stream_of(stream)>>>(a, b, c, out, moduli, n);
  HNN_CUDA_CHECK(cudaGetLastError(), "mul_add kernel launch");
}

void tensor(const uint64_t* a0, const uint64_t* a1, const uint64_t* b0, const uint64_t* b1,
            uint64_t* d0, uint64_t* d1, uint64_t* d2, const rns::Modulus* moduli, std::size_t limbs,
            std::size_t n, const Stream& stream) {
  tensor_kernel<<<grid_for(limbs, n), kThreads, 0, stream_of(stream)>>>(a0, a1, b0, b1, d0, d1, d2, moduli, n);
  HNN_CUDA_CHECK(cudaGetLastError(), "tensor kernel launch");
}

}  // namespace hnn::cuda::poly

namespace hnn::cuda {

namespace {
template <class T>
DeviceBuffer upload_vector(const std::vector<T>& v, const Stream& stream) {
  DeviceBuffer buf(v.size() * sizeof(T), stream);
  buf.upload(v.data(), buf.size(), stream);
  return buf;
}
}  // namespace

DeviceBaseConverter::DeviceBaseConverter(const rns::BaseConverter& conv, const Stream& stream)
    : k_(conv.from().size()), m_(conv.to().size()) {
  std::vector<uint64_t> qi(k_), qis(k_);
  for (std::size_t i = 0; i < k_; ++i) {
    qi[i] = conv.from().qhat_inv(i);
    qis[i] = conv.from().qhat_inv_shoup(i);
  }
  from_ = upload_vector(conv.from().moduli(), stream);
  to_ = upload_vector(conv.to().moduli(), stream);
  qhat_inv_ = upload_vector(qi, stream);
  qhat_inv_shoup_ = upload_vector(qis, stream);
  ahat_mod_b_ = upload_vector(conv.ahat_mod_b(), stream);
  a_mod_b_ = upload_vector(conv.a_mod_b(), stream);
  inv_a_ = upload_vector(conv.inv_a(), stream);
  stream.synchronize();  // the host vectors go out of scope
}

void DeviceBaseConverter::convert(const uint64_t* in, uint64_t* out, std::size_t n, const Stream& stream) const {
  poly::base_convert_kernel<false><<<poly::grid_for(m_, n), poly::kThreads, 0, stream_of(stream)>>>(
      in, out, from_.as<rns::Modulus>(), to_.as<rns::Modulus>(), qhat_inv_.as<uint64_t>(),
      qhat_inv_shoup_.as<uint64_t>(), ahat_mod_b_.as<uint64_t>(), a_mod_b_.as<uint64_t>(),
      inv_a_.as<double>(), k_, n);
  HNN_CUDA_CHECK(cudaGetLastError(), "base conversion launch");
}

void DeviceBaseConverter::convert_centered(const uint64_t* in, uint64_t* out, std::size_t n,
                                           const Stream& stream) const {
  poly::base_convert_kernel<true><<<poly::grid_for(m_, n), poly::kThreads, 0, stream_of(stream)>>>(
      in, out, from_.as<rns::Modulus>(), to_.as<rns::Modulus>(), qhat_inv_.as<uint64_t>(),
      qhat_inv_shoup_.as<uint64_t>(), ahat_mod_b_.as<uint64_t>(), a_mod_b_.as<uint64_t>(),
      inv_a_.as<double>(), k_, n);
  HNN_CUDA_CHECK(cudaGetLastError(), "base conversion launch");
}

}  // namespace hnn::cuda
