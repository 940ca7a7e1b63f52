// Rotations and conjugation: automorphisms X -> X^g in the NTT domain, then key switching from
// sigma_g(s) back to s. rotate_hoisted shares one ModUp among all steps (Halevi-Shoup 2018, Sec. 5).
#include <string>

#include "hnn/ckks/evaluator.h"
#include "hnn/rns/error.h"
#include "key_switch.h"
#include "poly_ops.h"

namespace hnn::ckks {

using rns::RnsPoly;

// `step` names the key in messages; 0 when the caller knows only the element (apply_galois).
const SwitchingKey& Evaluator::galois_key(const GaloisKeys& gk, uint32_t elt, int step, int level) const {
  HNN_REQUIRE(gk.context() && gk.context()->digest() == ctx_->digest(),
              "Galois keys belong to another parameter set");
  const SwitchingKey* key = gk.find(elt);
  const bool conj = elt == ctx_->conjugation_element();
  if (!key) {
    if (conj) HNN_THROW(InvalidArgument, "no Galois key for conjugation: create_galois_keys(steps, true)");
    HNN_THROW(InvalidArgument, "no Galois key for rotation step ", step, " (Galois element ", elt,
              "): add it with KeyGenerator::create_galois_keys({", step, "}) or add_galois_keys");
  }
  // A level-restricted key (create_galois_keys(steps, conj, max_level)) lacks the limbs above.
  if (level > key->max_level()) {
    const std::string name = conj        ? std::string("conjugation")
                             : step != 0 ? "step " + std::to_string(step)
                                         : "Galois element " + std::to_string(elt);
    HNN_THROW(InvalidArgument, "Galois key for ", name, " covers levels <= ", key->max_level(),
              "; the ciphertext is at level ", level,
              ": drop the ciphertext to that level first or create the key with a higher max_level");
  }
  return *key;
}

namespace {

// Hoisted: sigma is applied to the shared decomposition inside the inner product.
Ciphertext finish_hoisted(const Context& ctx, const ContextPtr& ptr, const Ciphertext& a,
                  const detail::Decomposition& dec, const SwitchingKey& key,
                  const std::vector<uint32_t>& perm) {
  RnsPoly c0 = a[0].uninitialized_like(a[0].limbs());
  detail::permute(ctx, a[0], perm, c0);
  RnsPoly u0, u1;
  detail::key_switch(ctx, dec, key, &perm, u0, u1);
  detail::add_inplace(ctx, c0, u0);
  std::vector<RnsPoly> polys;
  polys.push_back(std::move(c0));
  polys.push_back(std::move(u1));
  return Ciphertext(ptr, std::move(polys), a.scale(), a.slots());
}

}  // namespace

// One automorphism: permute both components first (l+1 limbs each), then key-switch sigma(c1)
// with no permutation inside the inner product, which would touch dnum x (l+1+k) limbs instead.
Ciphertext Evaluator::rotate_by_element(const Ciphertext& a, uint32_t elt, const SwitchingKey& key) const {
  const Context& ctx = *ctx_;
  const auto& perm = ctx.galois_permutation(elt);
  RnsPoly c0 = a[0].uninitialized_like(a[0].limbs());
  RnsPoly c1 = a[1].uninitialized_like(a[1].limbs());
  detail::permute(ctx, a[0], perm, c0);
  detail::permute(ctx, a[1], perm, c1);
  RnsPoly u0, u1;
  detail::key_switch(ctx, detail::decompose(ctx, c1), key, nullptr, u0, u1);
  detail::add_inplace(ctx, c0, u0);
  std::vector<RnsPoly> polys;
  polys.push_back(std::move(c0));
  polys.push_back(std::move(u1));
  return Ciphertext(ctx_, std::move(polys), a.scale(), a.slots());
}

Ciphertext Evaluator::apply_galois(const Ciphertext& a, uint32_t elt, const GaloisKeys& gk) const {
  check(a, "ciphertext");
  HNN_REQUIRE(a.size() == 2, "rotate a relinearized (2-component) ciphertext");
  return rotate_by_element(a, elt, galois_key(gk, elt, 0, a.level()));
}

Ciphertext Evaluator::rotate(const Ciphertext& a, int step, const GaloisKeys& gk) const {
  check(a, "ciphertext");
  HNN_REQUIRE(a.size() == 2, "rotate a relinearized (2-component) ciphertext");
  const uint32_t elt = ctx_->galois_element(step);
  if (elt == 1) return a.clone();
  return rotate_by_element(a, elt, galois_key(gk, elt, step, a.level()));
}

std::vector<Ciphertext> Evaluator::rotate_hoisted(const Ciphertext& a, const std::vector<int>& steps,
                                                  const GaloisKeys& gk) const {
  check(a, "ciphertext");
  HNN_REQUIRE(a.size() == 2, "rotate a relinearized (2-component) ciphertext");
  // Look every key up first, so a missing or too-low key fails before any work.
  std::vector<const SwitchingKey*> keys;
  for (int s : steps) {
    const uint32_t elt = ctx_->galois_element(s);
    keys.push_back(elt == 1 ? nullptr : &galois_key(gk, elt, s, a.level()));
  }
  const auto dec = detail::decompose(*ctx_, a[1]);
  std::vector<Ciphertext> out;
  out.reserve(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!keys[i]) {
      out.push_back(a.clone());
      continue;
    }
    const auto& perm = ctx_->galois_permutation(ctx_->galois_element(steps[i]));
    out.push_back(finish_hoisted(*ctx_, ctx_, a, dec, *keys[i], perm));
  }
  return out;
}

Ciphertext Evaluator::conjugate(const Ciphertext& a, const GaloisKeys& gk) const {
  return apply_galois(a, ctx_->conjugation_element(), gk);
}

}  // namespace hnn::ckks
