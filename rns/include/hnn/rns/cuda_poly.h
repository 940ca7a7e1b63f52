// Element-wise RNS polynomial kernels on a CUDA device (plain C++ declarations).
//
// Words are limb-major (limb i at [i*N, (i+1)*N)), limb i reduced modulo moduli[i]; `moduli` is a
// device array of rns::Modulus (value + Barrett constants), one per limb. The arithmetic is the
// HNN_HD functions of hnn/rns/modarith.h, so each kernel gives exactly the CPU's words, and on an
// emulated stream the same per-word bodies run on the host. Outputs may alias inputs unless a
// function says otherwise. All calls are ordered on `stream`.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hnn/rns/cuda.h"
#include "hnn/rns/limb_map.h"
#include "hnn/rns/modarith.h"
#include "hnn/rns/rns_base.h"

namespace hnn::cuda::poly {

// One word per limb, passed by value as a kernel argument.
struct LimbScalars {
  static constexpr std::size_t kMax = 64;
  uint64_t value[kMax];
};

// Pointers to the polynomials of a sum (digits of a decomposition, a key's digits), by value.
struct PolyPointers {
  static constexpr std::size_t kMax = 32;
  const uint64_t* p[kMax];
};

enum class Op : uint8_t { Add, Sub, Mul, Neg };

// out = a (op) b, word by word (Neg: out = -a, b unused).
void binary(Op op, const uint64_t* a, const uint64_t* b, uint64_t* out, const rns::Modulus* moduli,
            std::size_t limbs, std::size_t n, const Stream& stream);
// out = a + b * c (mod q), the multiply-accumulate of decryption and of the linear layers' sums.
void mul_add(const uint64_t* a, const uint64_t* b, const uint64_t* c, uint64_t* out,
             const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream);
// CKKS tensor product of (a0, a1) and (b0, b1): d0 = a0 b0, d1 = a0 b1 + a1 b0, d2 = a1 b1.
void tensor(const uint64_t* a0, const uint64_t* a1, const uint64_t* b0, const uint64_t* b1,
            uint64_t* d0, uint64_t* d1, uint64_t* d2, const rns::Modulus* moduli, std::size_t limbs,
            std::size_t n, const Stream& stream);
// a[i][k] = a[i][k] (op) s[i][k] with s = lo below N/2 and hi from N/2 on; op is Add or Mul. With
// lo = hi: a scalar per limb. With lo = r + i_q m, hi = r - i_q m: the NTT image of the constant
// r + m X^(N/2) (i_q = psi^(N/2), see ckks's constant_halves).
void scalar_halves(Op op, uint64_t* a, const LimbScalars& lo, const LimbScalars& hi,
                   const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream);

// out[limb][j] = in[limb][perm[j]]: an automorphism in the NTT domain (perm from
// ckks::Context::galois_permutation, on the device). out must not alias in.
void permute(const uint64_t* in, const uint32_t* perm, uint64_t* out, std::size_t limbs, std::size_t n,
             const Stream& stream);

// out[i] = (x[i] + q_i - y[i]) * w[i] mod q_i (Shoup, companion ws[i]), x, y < q_i: the last step
// of ModDown (w = P^{-1}) and of the rescale (w = q_l^{-1}).
void sub_mul_shoup(const uint64_t* x, const uint64_t* y, uint64_t* out, const LimbScalars& w,
                   const LimbScalars& ws, const rns::Modulus* moduli, std::size_t limbs, std::size_t n,
                   const Stream& stream);
// ext[i][c] += x[i][perm[c]] * w[i] mod q_i (perm may be null: the identity): ext += P sigma(x)
// on the Q limbs of an extended polynomial (w = P mod q_i). ext must not alias x.
void add_mul_shoup_permuted(uint64_t* ext, const uint64_t* x, const uint32_t* perm, const LimbScalars& w,
                            const LimbScalars& ws, const rns::Modulus* moduli, std::size_t limbs,
                            std::size_t n, const Stream& stream);
// The rescale's subtrahend for limbs i < limbs: out[i][c] = ((last[c] + h) mod q_l - h) mod q_i
// with h = floor(q_l / 2), `last` the coefficients of the limb divided by.
void rescale_subtrahend(const uint64_t* last, uint64_t* out, const rns::Modulus& q_last,
                        const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream);

// The key-switching inner product over `digits` extended polynomials, both key halves at once,
// each reduced once (lazy 128-bit accumulation, as on the CPU):
//   out0[t][c] = sum_j ext_j[t][perm[c]] * key_b_j[map.position[t]][c]   (mod moduli[map.table[t]])
// and out1 likewise with key_a, for t < map.count (the extended limbs, Q first then P); perm may
// be null (identity). ext_j, key_b_j, key_a_j: device pointers to limb 0 of each digit.
void key_switch_inner_product(const PolyPointers& ext, const PolyPointers& key_b, const PolyPointers& key_a,
                              std::size_t digits, const uint32_t* perm, uint64_t* out0, uint64_t* out1,
                              const rns::Modulus* moduli, const LimbMap& map, std::size_t n,
                              const Stream& stream);

// The plaintext-product sums of a double-hoisted linear transform, over extended polynomials:
//   out0[t][c] = sum_k pt_k[t][c] * x0_k[t][c],  out1 likewise with x1_k   (mod moduli[map.table[t]])
// for t < map.count, reduced once (128-bit sums, at most 256 terms). `terms` is a device array of
// `count` pointer triples (pt_k, x0_k, x1_k), each to limb 0 of its polynomial.
void sum_of_products(const uint64_t* const* terms, std::size_t count, uint64_t* out0, uint64_t* out1,
                     const rns::Modulus* moduli, const LimbMap& map, std::size_t n, const Stream& stream);
// acc[t][c] += x[t][perm[c]] (+ y[t][c]) mod moduli[map.table[t]] for t < map.count; perm and y may
// be null. acc must not alias x.
void add_permuted(uint64_t* acc, const uint64_t* x, const uint32_t* perm, const uint64_t* y,
                  const rns::Modulus* moduli, const LimbMap& map, std::size_t n, const Stream& stream);

}  // namespace hnn::cuda::poly

namespace hnn::cuda {

// A device copy of an rns::BaseConverter: the same fast base conversion (convert) and its centered
// variant (convert_centered), word for word. Output target j goes to limb out_positions.position[j]
// of `out` (the overloads without a map write the targets densely, in order).
class DeviceBaseConverter {
 public:
  DeviceBaseConverter(const rns::BaseConverter& conv, const Stream& stream);
  std::size_t source_count() const { return k_; }
  std::size_t target_count() const { return m_; }
  void convert(const uint64_t* in, uint64_t* out, std::size_t n, const Stream& stream) const;
  void convert_centered(const uint64_t* in, uint64_t* out, std::size_t n, const Stream& stream) const;
  void convert_centered(const uint64_t* in, uint64_t* out, const LimbMap& out_positions, std::size_t n,
                        const Stream& stream) const;
  static constexpr std::size_t kMaxSources = 32;

 private:
  void run(bool centered, const uint64_t* in, uint64_t* out, const LimbMap& out_positions, std::size_t n,
           const Stream& stream) const;
  std::size_t k_ = 0, m_ = 0;
  DeviceBuffer from_, to_, qhat_inv_, qhat_inv_shoup_, ahat_mod_b_, a_mod_b_, inv_a_;
};

}  // namespace hnn::cuda
