// Element-wise RNS polynomial arithmetic for the CPU backend (internal to ckks/).
// Limb i of a polynomial at level l uses modulus q_i; extended polynomials pass their QP indices.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hnn/ckks/context.h"
#include "hnn/rns/rns_poly.h"

namespace hnn::ckks::detail {

using rns::RnsPoly;

// Refuses (InvalidArgument, naming the fix) operands that live on different devices.
void require_same_device(const RnsPoly& a, const RnsPoly& b, const char* what);

// a += b, a -= b, a = -a, a *= b (pointwise, NTT domain), over the first a.limbs() Q limbs.
void add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b);
void sub_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b);
void negate_inplace(const Context& ctx, RnsPoly& a);
void mul_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b);
// out = a * b (pointwise)
void mul(const Context& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out);
// a += b * c (pointwise)
void mul_add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b, const RnsPoly& c);
// The CKKS tensor product of (a0, a1) and (b0, b1): d0 = a0 b0, d1 = a0 b1 + a1 b0, d2 = a1 b1,
// allocated here on a0's device.
void tensor(const Context& ctx, const RnsPoly& a0, const RnsPoly& a1, const RnsPoly& b0, const RnsPoly& b1,
            RnsPoly& d0, RnsPoly& d1, RnsPoly& d2);
// a[i] *= scalars[i] (one residue per limb)
void mul_scalar_inplace(const Context& ctx, RnsPoly& a, const std::vector<uint64_t>& scalars);
// acc += a * scalars[i] on limb i < acc.limbs() (a may have more limbs).
void mul_scalar_add_inplace(const Context& ctx, RnsPoly& acc, const RnsPoly& a, const std::vector<uint64_t>& scalars);
// a[i] += scalars[i] in every word (adds a constant polynomial when a is in the NTT domain)
void add_scalar_inplace(const Context& ctx, RnsPoly& a, const std::vector<uint64_t>& scalars);

// In-place NTT / inverse NTT of the first a.limbs() Q limbs, updating the domain flag.
void to_ntt(const Context& ctx, RnsPoly& a);
void to_coeff(const Context& ctx, RnsPoly& a);

// A polynomial with small signed coefficients lifted to the given QP limbs, then NTT'd.
RnsPoly small_to_ntt(const Context& ctx, const int8_t* coeffs, const std::vector<std::size_t>& qp);

// Apply the NTT-domain permutation of an automorphism to every limb: out[j] = a[perm[j]] (perm
// from ctx.galois_permutation; out a distinct polynomial of a's shape on a's device).
void permute(const Context& ctx, const RnsPoly& a, const std::vector<uint32_t>& perm, RnsPoly& out);

// Residues of a signed 64-bit integer for each of the first `limbs` Q limbs.
std::vector<uint64_t> residues_of(const Context& ctx, int64_t v, std::size_t limbs);

// round(x) as an int64 when |round(x)| < 9.0e18 (the fast path of rounded_residues and of the
// encoder's limb rows), nullopt beyond. round is std::nearbyint in the default rounding mode (to
// nearest, ties to even), as the CUDA encoder rounds, without its library call: below 2^52 in
// magnitude, adding 2^52 of the same sign rounds the fraction away exactly as nearbyint does.
inline std::optional<int64_t> rounded_int64(double x) {
  constexpr double kShift = 4503599627370496.0;  // 2^52; at or above it x is an integer already
  if (std::fabs(x) < kShift) {
    const double c = std::copysign(kShift, x);
    x = (x + c) - c;
  }
  if (!(std::fabs(x) < 9.0e18)) return std::nullopt;
  return static_cast<int64_t>(x);
}

// round(x) modulo each of the first `limbs` Q primes, written to out[i * stride]; x may exceed
// 2^64 (exact through GMP: a double that large is an integer). Throws on inf/NaN.
void rounded_residues(const Context& ctx, double x, std::size_t limbs, uint64_t* out, std::size_t stride);
// The same modulo the QP moduli `qp` (in that order).
void rounded_residues(const Context& ctx, double x, std::span<const std::size_t> qp, uint64_t* out, std::size_t stride);
std::vector<uint64_t> rounded_residues(const Context& ctx, double x, std::size_t limbs);

// The constant polynomial round(re) + round(im) X^(N/2) over the first `limbs` Q limbs, NTT
// domain: every slot holds (re + i im) / scale, since zeta^(5^j N/2) = i.
RnsPoly constant_poly(const Context& ctx, double re, double im, std::size_t limbs);
// The same constant without building it: its NTT image is lo[i] in slots k < N/2 and hi[i] from
// N/2 on (see poly_ops.cpp), so adding or multiplying by it is a per-half scalar operation.
void constant_halves(const Context& ctx, double re, double im, std::size_t limbs, std::vector<uint64_t>& lo,
                     std::vector<uint64_t>& hi);
// a[i][k] (op) (k < N/2 ? lo[i] : hi[i]), on whichever device a lives.
enum class ScalarOp : uint8_t { Add, Mul };
void scalar_halves_inplace(const Context& ctx, RnsPoly& a, ScalarOp op, const std::vector<uint64_t>& lo,
                           const std::vector<uint64_t>& hi);

// Divides a (level l >= 1, NTT domain) by its last prime q_l with exact rounding: round(a / q_l)
// at level l - 1 (the rescale of one ciphertext component).
void rescale_inplace(const Context& ctx, RnsPoly& a);

}  // namespace hnn::ckks::detail
