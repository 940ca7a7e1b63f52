#include "hnn/ckks/evaluator.h"

#include <gmpxx.h>

#include <cmath>

#include "hnn/rns/error.h"
#include "key_switch.h"
#include "poly_ops.h"

namespace hnn::ckks {

using rns::RnsPoly;

namespace {

bool scales_match(double a, double b) { return std::fabs(a / b - 1.0) < 1e-9; }

double log2_of(double s) { return std::log2(s); }


}  // namespace

Evaluator::Evaluator(ContextPtr ctx) : ctx_(std::move(ctx)) {
  HNN_REQUIRE(ctx_ != nullptr, "Evaluator needs a context");
}

void Evaluator::check(const Ciphertext& a, const char* what) const {
  HNN_REQUIRE(a.context() != nullptr && a.size() >= 2, what, " is empty or not a ciphertext");
  HNN_REQUIRE(a.context()->digest() == ctx_->digest(), what,
              " belongs to another parameter set: use objects made from the same Context");
  HNN_REQUIRE(a.level() >= 0 && a.level() <= ctx_->max_level(), what, " has an invalid level");
  for (auto& p : a.polys()) {
    HNN_REQUIRE(p.domain() == rns::Domain::Ntt && p.limbs() == a[0].limbs() && p.n() == ctx_->n(),
                what, " is malformed (components differ in shape or domain)");
    HNN_REQUIRE(p.device() == a[0].device(), what, " has components on ", a[0].device().name(), " and ",
                p.device().name());
  }
}

namespace {
void check_same_device(rns::Device a, rns::Device b, const char* first, const char* second) {
  HNN_REQUIRE(a == b, first, " is on ", a.name(), " but ", second, " on ", b.name(),
              ": move one with hnn::ckks::to_device or to_host (hnn/ckks/device.h)");
}
}  // namespace

void Evaluator::check(const Plaintext& p, const char* what) const {
  HNN_REQUIRE(p.context() != nullptr && !p.poly().empty(), what, " is empty");
  HNN_REQUIRE(p.context()->digest() == ctx_->digest(), what,
              " belongs to another parameter set: use objects made from the same Context");
  HNN_REQUIRE(p.poly().domain() == rns::Domain::Ntt, what, " must be in the NTT domain (use Encoder)");
}

void Evaluator::check_pair(const Ciphertext& a, const Ciphertext& b) const {
  check(a, "first ciphertext");
  check(b, "second ciphertext");
  HNN_REQUIRE(a.level() == b.level(), "ciphertexts at levels ", a.level(), " and ", b.level(),
              ": call drop_to_level_inplace(ct, ", std::min(a.level(), b.level()),
              ") on the higher one first");
  HNN_REQUIRE(a.slots() == b.slots(), "ciphertexts hold ", a.slots(), " and ", b.slots(),
              " slots: encode both with the same slot count");
  check_same_device(a[0].device(), b[0].device(), "the first ciphertext", "the second");
}

void Evaluator::check_pair(const Ciphertext& a, const Plaintext& p) const {
  check(a, "ciphertext");
  check(p, "plaintext");
  HNN_REQUIRE(p.level() >= a.level(), "plaintext at level ", p.level(), " but ciphertext at level ",
              a.level(), ": encode the plaintext at level ", a.level());
  check_same_device(a[0].device(), p.poly().device(), "the ciphertext", "the plaintext");
}

// ---- additive --------------------------------------------------------------------------------

void Evaluator::add_inplace(Ciphertext& a, const Ciphertext& b) const {
  check_pair(a, b);
  HNN_REQUIRE(scales_match(a.scale(), b.scale()), "scales differ (2^", log2_of(a.scale()), " vs 2^",
              log2_of(b.scale()), "): rescale both to the same level, or encode with matching scales");
  while (a.size() < b.size()) a.polys().push_back(a[0].zeros_like(a[0].limbs()));
  for (std::size_t i = 0; i < b.size(); ++i) detail::add_inplace(*ctx_, a[i], b[i]);
}

void Evaluator::sub_inplace(Ciphertext& a, const Ciphertext& b) const {
  check_pair(a, b);
  HNN_REQUIRE(scales_match(a.scale(), b.scale()), "scales differ (2^", log2_of(a.scale()), " vs 2^",
              log2_of(b.scale()), "): rescale both to the same level, or encode with matching scales");
  while (a.size() < b.size()) a.polys().push_back(a[0].zeros_like(a[0].limbs()));
  for (std::size_t i = 0; i < b.size(); ++i) detail::sub_inplace(*ctx_, a[i], b[i]);
}

void Evaluator::negate_inplace(Ciphertext& a) const {
  check(a, "ciphertext");
  for (auto& p : a.polys()) detail::negate_inplace(*ctx_, p);
}

void Evaluator::add_plain_inplace(Ciphertext& a, const Plaintext& p) const {
  check_pair(a, p);
  HNN_REQUIRE(scales_match(a.scale(), p.scale()), "plaintext scale 2^", log2_of(p.scale()),
              " differs from the ciphertext's 2^", log2_of(a.scale()),
              ": encode the plaintext with scale = ciphertext.scale()");
  detail::add_inplace(*ctx_, a[0], p.poly());
}

void Evaluator::sub_plain_inplace(Ciphertext& a, const Plaintext& p) const {
  check_pair(a, p);
  HNN_REQUIRE(scales_match(a.scale(), p.scale()), "plaintext scale 2^", log2_of(p.scale()),
              " differs from the ciphertext's 2^", log2_of(a.scale()),
              ": encode the plaintext with scale = ciphertext.scale()");
  detail::sub_inplace(*ctx_, a[0], p.poly());
}

void Evaluator::add_const_inplace(Ciphertext& a, std::complex<double> c) const {
  check(a, "ciphertext");
  const std::size_t limbs = a[0].limbs();
  // Real part: the constant coefficient, i.e. the same value in every NTT slot.
  if (c.imag() == 0.0) {
    detail::add_scalar_inplace(*ctx_, a[0], detail::rounded_residues(*ctx_, c.real() * a.scale(), limbs));
  } else {
    std::vector<uint64_t> lo, hi;
    detail::constant_halves(*ctx_, c.real() * a.scale(), c.imag() * a.scale(), limbs, lo, hi);
    detail::scalar_halves_inplace(*ctx_, a[0], detail::ScalarOp::Add, lo, hi);
  }
}

Ciphertext Evaluator::add(const Ciphertext& a, const Ciphertext& b) const {
  Ciphertext r = a.clone();
  add_inplace(r, b);
  return r;
}

Ciphertext Evaluator::sub(const Ciphertext& a, const Ciphertext& b) const {
  Ciphertext r = a.clone();
  sub_inplace(r, b);
  return r;
}

Ciphertext Evaluator::negate(const Ciphertext& a) const {
  Ciphertext r = a.clone();
  negate_inplace(r);
  return r;
}

// ---- multiplicative --------------------------------------------------------------------------

Ciphertext Evaluator::multiply_no_relin(const Ciphertext& a, const Ciphertext& b) const {
  check_pair(a, b);
  HNN_REQUIRE(a.size() == 2 && b.size() == 2,
              "multiply expects 2-component ciphertexts: relinearize the inputs first");
  RnsPoly d0, d1, d2;
  detail::tensor(*ctx_, a[0], a[1], b[0], b[1], d0, d1, d2);
  std::vector<RnsPoly> polys;
  polys.push_back(std::move(d0));
  polys.push_back(std::move(d1));
  polys.push_back(std::move(d2));
  return Ciphertext(ctx_, std::move(polys), a.scale() * b.scale(), a.slots());
}

namespace {
void require_rescalable(int level) {
  HNN_REQUIRE(level >= 1, "cannot rescale a ciphertext at level 0: it has no prime left to divide "
              "by (bootstrap it, or plan one fewer multiplication)");
}

void check_relin_key(const Context& ctx, const Ciphertext& a, const RelinKey& rk) {
  HNN_REQUIRE(a.size() == 3, "relinearize expects a 3-component ciphertext");
  HNN_REQUIRE(rk.context() && rk.context()->digest() == ctx.digest(),
              "relinearization key belongs to another parameter set");
  HNN_REQUIRE(a.level() <= rk.key().max_level(), "relinearization key covers levels <= ", rk.key().max_level(),
              "; the ciphertext is at level ", a.level());
}
}  // namespace

void Evaluator::relinearize_inplace(Ciphertext& a, const RelinKey& rk) const {
  check(a, "ciphertext");
  if (a.size() == 2) return;
  check_relin_key(*ctx_, a, rk);
  RnsPoly u0, u1;
  const auto dec = detail::decompose(*ctx_, a[2]);
  detail::key_switch(*ctx_, dec, rk.key(), nullptr, u0, u1);
  detail::add_inplace(*ctx_, a[0], u0);
  detail::add_inplace(*ctx_, a[1], u1);
  a.polys().pop_back();
}

void Evaluator::relinearize_rescale_inplace(Ciphertext& a, const RelinKey& rk) const {
  check(a, "ciphertext");
  if (a.size() == 2) return rescale_inplace(a);
  check_relin_key(*ctx_, a, rk);
  const int level = a.level();
  require_rescalable(level);
  // (a0, a1) + key switch of a2, all over Q_l u P (P a_i: a_i's extended image), then / (P q_l).
  RnsPoly e0, e1;
  detail::key_switch_extended(*ctx_, detail::decompose(*ctx_, a[2]), rk.key(), nullptr, e0, e1);
  a.polys().pop_back();
  detail::add_times_p(*ctx_, e0, a[0]);
  detail::add_times_p(*ctx_, e1, a[1]);
  detail::mod_down_rescale(*ctx_, e0, a[0]);
  detail::mod_down_rescale(*ctx_, e1, a[1]);
  a.set_scale(a.scale() / static_cast<double>(ctx_->modulus(static_cast<std::size_t>(level)).value));
}

Ciphertext Evaluator::multiply(const Ciphertext& a, const Ciphertext& b, const RelinKey& rk) const {
  Ciphertext r = multiply_no_relin(a, b);
  relinearize_inplace(r, rk);
  return r;
}

Ciphertext Evaluator::square(const Ciphertext& a, const RelinKey& rk) const { return multiply(a, a, rk); }

void Evaluator::multiply_plain_inplace(Ciphertext& a, const Plaintext& p) const {
  check_pair(a, p);
  for (auto& c : a.polys()) detail::mul_inplace(*ctx_, c, p.poly());
  a.set_scale(a.scale() * p.scale());
}

void Evaluator::multiply_plain_add_inplace(Ciphertext& acc, const Ciphertext& a, const Plaintext& p) const {
  check_pair(acc, a);
  check_pair(a, p);
  HNN_REQUIRE(acc.size() == a.size(), "accumulator has ", acc.size(), " components, the product ", a.size());
  HNN_REQUIRE(scales_match(acc.scale(), a.scale() * p.scale()), "accumulator scale 2^", log2_of(acc.scale()),
              " differs from the product's 2^", log2_of(a.scale() * p.scale()));
  for (std::size_t i = 0; i < a.size(); ++i) detail::mul_add_inplace(*ctx_, acc[i], a[i], p.poly());
}

void Evaluator::multiply_const_inplace(Ciphertext& a, std::complex<double> c) const {
  check(a, "ciphertext");
  // Scale of the constant: q_l, the prime the next rescale divides by.
  HNN_REQUIRE(a.level() >= 1, "multiply_const needs a level to rescale: the ciphertext is at level 0");
  multiply_const_inplace(a, c, static_cast<double>(ctx_->modulus(a.level()).value));
}

void Evaluator::multiply_const_inplace(Ciphertext& a, std::complex<double> c, double const_scale) const {
  check(a, "ciphertext");
  HNN_REQUIRE(std::isfinite(const_scale) && const_scale > 0, "constant scale must be positive and finite");
  const std::size_t limbs = a[0].limbs();
  if (c.imag() == 0.0) {
    const auto r = detail::rounded_residues(*ctx_, c.real() * const_scale, limbs);
    for (auto& p : a.polys()) detail::mul_scalar_inplace(*ctx_, p, r);
  } else {
    std::vector<uint64_t> lo, hi;
    detail::constant_halves(*ctx_, c.real() * const_scale, c.imag() * const_scale, limbs, lo, hi);
    for (auto& p : a.polys()) detail::scalar_halves_inplace(*ctx_, p, detail::ScalarOp::Mul, lo, hi);
  }
  a.set_scale(a.scale() * const_scale);
}

void Evaluator::multiply_const_add_inplace(Ciphertext& acc, const Ciphertext& a, double c,
                                           double const_scale) const {
  check(acc, "accumulator");
  check(a, "ciphertext");
  HNN_REQUIRE(std::isfinite(const_scale) && const_scale > 0, "constant scale must be positive and finite");
  HNN_REQUIRE(a.level() >= acc.level(), "ciphertext at level ", a.level(), " below the accumulator's ", acc.level(),
              ": a product can only be taken down to the accumulator's level");
  HNN_REQUIRE(a.slots() == acc.slots(), "ciphertexts hold ", acc.slots(), " and ", a.slots(),
              " slots: encode both with the same slot count");
  check_same_device(acc[0].device(), a[0].device(), "the accumulator", "the ciphertext");
  HNN_REQUIRE(acc.size() >= a.size(), "accumulator has ", acc.size(), " components, the ciphertext ", a.size());
  HNN_REQUIRE(scales_match(acc.scale(), a.scale() * const_scale), "accumulator scale 2^", log2_of(acc.scale()),
              " differs from the product's 2^", log2_of(a.scale() * const_scale));
  const auto r = detail::rounded_residues(*ctx_, c * const_scale, acc[0].limbs());
  for (std::size_t i = 0; i < a.size(); ++i) detail::mul_scalar_add_inplace(*ctx_, acc[i], a[i], r);
}

void Evaluator::multiply_integer_inplace(Ciphertext& a, int64_t k) const {
  check(a, "ciphertext");
  const auto r = detail::residues_of(*ctx_, k, a[0].limbs());
  for (auto& p : a.polys()) detail::mul_scalar_inplace(*ctx_, p, r);
}

// ---- levels ----------------------------------------------------------------------------------

void Evaluator::rescale_inplace(Ciphertext& a) const {
  check(a, "ciphertext");
  const int level = a.level();
  require_rescalable(level);
  for (auto& poly : a.polys()) detail::rescale_inplace(*ctx_, poly);
  a.set_scale(a.scale() / static_cast<double>(ctx_->modulus(static_cast<std::size_t>(level)).value));
}

Ciphertext Evaluator::rescale(const Ciphertext& a) const {
  Ciphertext r = a.clone();
  rescale_inplace(r);
  return r;
}

void Evaluator::drop_to_level_inplace(Ciphertext& a, int level) const {
  check(a, "ciphertext");
  HNN_REQUIRE(level >= 0 && level <= a.level(), "cannot drop a ciphertext at level ", a.level(),
              " to level ", level, ": the target must be between 0 and the current level");
  for (auto& p : a.polys()) p.truncate_limbs(static_cast<std::size_t>(level) + 1);
}

Ciphertext Evaluator::copy_at_level(const Ciphertext& a, int level) const {
  check(a, "ciphertext");
  HNN_REQUIRE(level >= 0 && level <= a.level(), "cannot copy a ciphertext at level ", a.level(),
              " to level ", level, ": the target must be between 0 and the current level");
  std::vector<RnsPoly> polys;
  for (const auto& p : a.polys()) polys.push_back(p.clone(static_cast<std::size_t>(level) + 1));
  return Ciphertext(a.context(), std::move(polys), a.scale(), a.slots());
}

void Evaluator::drop_to_level_inplace(Plaintext& p, int level) const {
  check(p, "plaintext");
  HNN_REQUIRE(level >= 0 && level <= p.level(), "cannot drop a plaintext at level ", p.level(),
              " to level ", level);
  p.poly().truncate_limbs(static_cast<std::size_t>(level) + 1);
}

}  // namespace hnn::ckks
