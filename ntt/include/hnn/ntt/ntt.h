// Negacyclic number-theoretic transform over Z_q[X]/(X^N + 1), batched over RNS limbs.
//
// Conventions (the CUDA backend follows them word for word):
// - psi is the smallest primitive 2N-th root of unity mod q (rns::minimal_primitive_root).
// - Forward: input coefficients a_0..a_{N-1} in natural order; output in BIT-REVERSED order:
//     out[j] = a(psi^(2*brev(j) + 1)) mod q,   brev = bit reversal on log2(N) bits.
//   Cooley-Tukey butterflies with Harvey's lazy reduction (values kept in [0, 4q)), twiddles
//   psi^brev(k) stored in bit-reversed order with Shoup companions (Longa-Naehrig 2016, Alg. 1).
// - Inverse: input in bit-reversed order, output natural-order coefficients; Gentleman-Sande
//   butterflies (values in [0, 2q)) and the final multiplication by N^{-1} folded into one pass.
// - Outputs are fully reduced to [0, q); inputs must be < q.
// One entry point, transform(plan, data): the plan names the tables of each limb and the direction.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hnn/rns/modarith.h"
#include "hnn/rns/simd.h"

namespace hnn::ntt {

class NttTables {
 public:
  NttTables(std::size_t n, const rns::Modulus& q);
  // With a given primitive 2N-th root psi (checked): the tables of a subring. For p(X) = r(X^g) in
  // Z_q[X]/(X^N + 1), the forward transform of size N with root psi is the size-N/g transform of r
  // with root psi^g, each output repeated g times: out[k g + i] = out_r[k] (see sparse_forward).
  NttTables(std::size_t n, const rns::Modulus& q, uint64_t psi);

  std::size_t n() const { return n_; }
  int log_n() const { return log_n_; }
  const rns::Modulus& modulus() const { return q_; }
  uint64_t psi() const { return psi_; }
  // psi^brev(k), k in [0, N): forward twiddles; and their inverses for the inverse transform.
  const uint64_t* root_powers() const { return root_.data(); }
  const uint64_t* root_powers_shoup() const { return root_shoup_.data(); }
  const uint64_t* inv_root_powers() const { return inv_root_.data(); }
  const uint64_t* inv_root_powers_shoup() const { return inv_root_shoup_.data(); }
  uint64_t inv_n() const { return inv_n_; }
  uint64_t inv_n_shoup() const { return inv_n_shoup_; }
  // psi^{-brev(1)} N^{-1}: the inverse transform's last stage, fused with the scaling by N^{-1}.
  uint64_t inv_n_root1() const { return inv_n_root1_; }
  uint64_t inv_n_root1_shoup() const { return inv_n_root1_shoup_; }

 private:
  std::size_t n_;
  int log_n_;
  rns::Modulus q_;
  uint64_t psi_;
  std::vector<uint64_t> root_, root_shoup_, inv_root_, inv_root_shoup_;
  uint64_t inv_n_, inv_n_shoup_, inv_n_root1_, inv_n_root1_shoup_;
};

enum class Direction : uint8_t { Forward, Inverse };

// A batch of limbs to transform in place: limb i of `data` (words [i*N, (i+1)*N)) uses tables[i].
struct NttPlan {
  std::vector<const NttTables*> tables;
  Direction direction = Direction::Forward;
};

// The one entry point. Limbs run in parallel (OpenMP) when the batch has more than one. The kernel
// is chosen once at run time: AVX-512 IFMA when the CPU has it, else AVX2, else the portable
// loops; all give the same words. HNN_NTT_KERNEL=portable|avx2|avx512 in the environment asks for
// one (an unsupported one falls back down that list); without it, HNN_SIMD (hnn/rns/simd.h) caps it.
void transform(const NttPlan& plan, uint64_t* data);

using Kernel = rns::Simd;  // Portable, Avx2, Avx512Ifma; rns::simd_name(k) names one
Kernel active_kernel();
// Whether this build and this CPU can run the kernel.
bool kernel_supported(Kernel k);
// The same transform with an explicit kernel (tests and benchmarks compare them); it must be
// supported.
void transform_with(Kernel kernel, const NttPlan& plan, uint64_t* data);

// Forward transform of size N = g * sub.tables[i]->n() of polynomials p(X) = r(X^g): `data` holds
// the coefficients of r (limb i: sub.tables[i]->n() words, natural order), `out` receives the
// N-word transforms of p limb by limb, exactly as transform() on the dense coefficients would with
// the tables of size N whose roots' g-th powers are the sub-tables' roots.
void sparse_forward(const NttPlan& sub, std::size_t g, uint64_t* data, uint64_t* out);

// Bit reversal of the low `bits` bits of x.
inline uint32_t bit_reverse(uint32_t x, int bits) {
  x = ((x & 0x55555555u) << 1) | ((x >> 1) & 0x55555555u);
  x = ((x & 0x33333333u) << 2) | ((x >> 2) & 0x33333333u);
  x = ((x & 0x0F0F0F0Fu) << 4) | ((x >> 4) & 0x0F0F0F0Fu);
  x = ((x & 0x00FF00FFu) << 8) | ((x >> 8) & 0x00FF00FFu);
  x = (x << 16) | (x >> 16);
  return bits == 0 ? 0 : x >> (32 - bits);
}

}  // namespace hnn::ntt
