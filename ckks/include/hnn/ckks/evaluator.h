// Homomorphic operations. Every public entry validates its operands' context, level, scale and
// shape, and says how to fix a mismatched call. The evaluator holds no secret and no keys: keys
// are passed to the operations that need them.
#pragma once
#include <complex>
#include <vector>

#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/keys.h"

namespace hnn::ckks {

class Evaluator {
 public:
  explicit Evaluator(ContextPtr ctx);
  const ContextPtr& context() const { return ctx_; }

  // ---- additive ----------------------------------------------------------------------------
  void add_inplace(Ciphertext& a, const Ciphertext& b) const;
  void sub_inplace(Ciphertext& a, const Ciphertext& b) const;
  void negate_inplace(Ciphertext& a) const;
  void add_plain_inplace(Ciphertext& a, const Plaintext& p) const;
  void sub_plain_inplace(Ciphertext& a, const Plaintext& p) const;
  // Adds `c` to every slot (exact: the constant is encoded at the ciphertext's scale).
  void add_const_inplace(Ciphertext& a, std::complex<double> c) const;
  void sub_const_inplace(Ciphertext& a, std::complex<double> c) const { add_const_inplace(a, -c); }
  Ciphertext add(const Ciphertext& a, const Ciphertext& b) const;
  Ciphertext sub(const Ciphertext& a, const Ciphertext& b) const;
  Ciphertext negate(const Ciphertext& a) const;

  // ---- multiplicative ----------------------------------------------------------------------
  // ct x ct then relinearization; the result's scale is the product (call rescale next).
  Ciphertext multiply(const Ciphertext& a, const Ciphertext& b, const RelinKey& rk) const;
  Ciphertext square(const Ciphertext& a, const RelinKey& rk) const;
  // ct x ct without relinearization: a 3-component ciphertext.
  Ciphertext multiply_no_relin(const Ciphertext& a, const Ciphertext& b) const;
  void relinearize_inplace(Ciphertext& a, const RelinKey& rk) const;
  // relinearize_inplace then rescale_inplace in one pass: the key switch's ModDown divides by
  // P q_l at once, which saves the rescale's l forward NTTs per component. Same result up to
  // rounding (one rounding instead of two). A 2-component ciphertext is only rescaled.
  void relinearize_rescale_inplace(Ciphertext& a, const RelinKey& rk) const;
  void multiply_plain_inplace(Ciphertext& a, const Plaintext& p) const;
  // acc += a * p in one pass (no temporary): acc's scale must equal a's times p's, as after a
  // first multiply_plain; the linear layers' sums of plaintext products.
  void multiply_plain_add_inplace(Ciphertext& acc, const Ciphertext& a, const Plaintext& p) const;
  // Multiplies every slot by c, encoded at scale q_l (the prime the next rescale divides by), so
  // that multiply_const followed by rescale leaves the scale unchanged.
  void multiply_const_inplace(Ciphertext& a, std::complex<double> c) const;
  // Multiplies every slot by c, encoded as round(c * const_scale): the scale is multiplied by
  // const_scale and no level is consumed (rescale when needed). With c = i and const_scale = 1 it
  // multiplies by X^(N/2), i.e. by i exactly. This is the tool for matching scales exactly: pick
  // const_scale = wanted_scale / a.scale().
  void multiply_const_inplace(Ciphertext& a, std::complex<double> c, double const_scale) const;
  // acc += a * round(c * const_scale) in one pass, for a real c: a may sit above acc's level (its
  // first limbs are read, no copy), and acc's scale must equal a's times const_scale. The words are
  // those of copy_at_level, multiply_const_inplace(c, const_scale) and add_inplace; the polynomial
  // evaluator's sums of constant multiples of Chebyshev powers.
  void multiply_const_add_inplace(Ciphertext& acc, const Ciphertext& a, double c, double const_scale) const;
  // Multiplies by an integer: no scale change, no level consumed.
  void multiply_integer_inplace(Ciphertext& a, int64_t k) const;

  // ---- levels ------------------------------------------------------------------------------
  // Divides by the last prime q_l (exact rounding in RNS): level l -> l-1, scale / q_l.
  void rescale_inplace(Ciphertext& a) const;
  Ciphertext rescale(const Ciphertext& a) const;
  // Drops moduli without scaling: level -> `level` (lower), scale unchanged.
  void drop_to_level_inplace(Ciphertext& a, int level) const;
  void drop_to_level_inplace(Plaintext& p, int level) const;
  // A copy of `a` at `level` (<= a's): clone then drop_to_level, copying only the limbs kept.
  Ciphertext copy_at_level(const Ciphertext& a, int level) const;

  // ---- automorphisms -----------------------------------------------------------------------
  // Left rotation by `step` slots (negative: right); needs the Galois key for that step, covering
  // the ciphertext's level (a key restricted to levels <= L throws InvalidArgument above L).
  Ciphertext rotate(const Ciphertext& a, int step, const GaloisKeys& gk) const;
  // Many rotations of one input sharing one decomposition (hoisting, Halevi-Shoup 2018).
  std::vector<Ciphertext> rotate_hoisted(const Ciphertext& a, const std::vector<int>& steps,
                                         const GaloisKeys& gk) const;
  Ciphertext conjugate(const Ciphertext& a, const GaloisKeys& gk) const;
  Ciphertext apply_galois(const Ciphertext& a, uint32_t galois_elt, const GaloisKeys& gk) const;
  // The key for Galois element `elt`, checked to belong to this context and to cover `level`
  // (restricted keys, SwitchingKey::max_level); `step` (0 if unknown) names it in the error.
  const SwitchingKey& galois_key(const GaloisKeys& gk, uint32_t elt, int step, int level) const;

 private:
  void check(const Ciphertext& a, const char* what) const;
  void check(const Plaintext& p, const char* what) const;
  void check_pair(const Ciphertext& a, const Ciphertext& b) const;
  void check_pair(const Ciphertext& a, const Plaintext& p) const;
  Ciphertext rotate_by_element(const Ciphertext& a, uint32_t elt, const SwitchingKey& key) const;
  ContextPtr ctx_;
};

}  // namespace hnn::ckks
