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

}  // namespace

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
