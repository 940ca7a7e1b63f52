// Hybrid key switching (Han-Ki, CT-RSA 2020) with dnum digits, and its hoisting (Halevi-Shoup).
// Internal to ckks/: the Evaluator's multiply, rotate and conjugate call it.
#pragma once
#include <vector>

#include "hnn/ckks/context.h"
#include "hnn/ckks/keys.h"

namespace hnn::ckks::detail {

// ModUp of each digit of d (level l, NTT domain) to the extended basis Q_l u P, NTT domain.
// The expensive, key-independent half of key switching: computed once and reused by hoisting.
struct Decomposition {
  int level = -1;
  std::vector<rns::RnsPoly> digits;
};
Decomposition decompose(const Context& ctx, const rns::RnsPoly& d);

// (out0, out1) at level l with out0 + out1 s = sigma(d) s' + e, where d is the decomposed
// polynomial, s' the key's source secret and sigma the automorphism whose NTT permutation is
// `perm` (nullptr: identity). Inner product over the digits, then ModDown by P. The key may be
// restricted (SwitchingKey::max_level) as long as it covers dec.level.
void key_switch(const Context& ctx, const Decomposition& dec, const SwitchingKey& key,
                const std::vector<uint32_t>* perm, rns::RnsPoly& out0, rns::RnsPoly& out1);

// The modulus of limb i of a polynomial over Q_l u P with q_limbs = l + 1 (Q limbs first).
inline const rns::Modulus& extended_modulus(const Context& ctx, std::size_t q_limbs, std::size_t i) {
  return ctx.modulus(i < q_limbs ? i : ctx.p_index(i - q_limbs));
}

// The inner product alone, before ModDown: (acc0, acc1) over Q_l u P (l+1+k limbs), equal to
// P (out0, out1) up to the rounding ModDown removes. Double hoisting keeps sums in this basis and
// pays one ModDown for many rotations (Bossuat et al., Eurocrypt 2021, Sec. 3.3).
void key_switch_extended(const Context& ctx, const Decomposition& dec, const SwitchingKey& key,
                         const std::vector<uint32_t>* perm, rns::RnsPoly& acc0, rns::RnsPoly& acc1);

// ext += P sigma(x) for x at level l (NTT domain) and ext over Q_l u P: the extended-basis image of
// a component that needs no key switching. Only the Q limbs change (P x = 0 mod each p_j).
// perm: sigma's NTT permutation, or nullptr for the identity.
void add_times_p(const Context& ctx, rns::RnsPoly& ext, const rns::RnsPoly& x,
                 const std::vector<uint32_t>* perm = nullptr);

// ModDown: (x - [x]_P) * P^{-1} = round(x / P), from l+1+k limbs to l+1 limbs, NTT domain.
// [x]_P is converted to Q_l as its centered representative (BaseConverter::convert_centered), so
// the result is round(x / P) rather than floor(x / P) - u: no bias that the canonical embedding
// would concentrate into a few slots.
void mod_down(const Context& ctx, const rns::RnsPoly& ext, rns::RnsPoly& out);

// ModDown fused with the rescale: round(x / (P q_l)) from Q_l u P to Q_{l-1} (l >= 1), NTT
// domain. The same division as mod_down then a rescale, up to rounding, with l fewer forward NTTs
// (the rescale's) and one rounding instead of two.
void mod_down_rescale(const Context& ctx, const rns::RnsPoly& ext, rns::RnsPoly& out);

}  // namespace hnn::ckks::detail
