#include "hnn/ckks/encryptor.h"

#include "hnn/ckks/device.h"
#include "hnn/rns/error.h"
#include "key_switch.h"
#include "poly_ops.h"

namespace hnn::ckks {

using rns::RnsPoly;

namespace {
std::vector<std::size_t> first_limbs(std::size_t limbs) {
  std::vector<std::size_t> qp(limbs);
  for (std::size_t i = 0; i < limbs; ++i) qp[i] = i;
  return qp;
}
void check_same(const ContextPtr& ctx, const ContextPtr& other, const char* what) {
  HNN_REQUIRE(other != nullptr, what, " is empty");
  HNN_REQUIRE(other->digest() == ctx->digest(), what,
              " belongs to another parameter set: use objects made from the same Context");
}
}  // namespace

Encryptor::Encryptor(ContextPtr ctx, const PublicKey& pk) : ctx_(std::move(ctx)) {
  check_same(ctx_, pk.context(), "public key");
  pk_ = pk.clone();
}

Encryptor::Encryptor(ContextPtr ctx, const SecretKey& sk) : ctx_(std::move(ctx)) {
  check_same(ctx_, sk.context(), "secret key");
  sk_ = sk.clone();
}

void Encryptor::insecure_seed_for_testing(const rns::Prng::Seed& seed) {
  prng_ = rns::Prng::insecure_from_seed_for_testing(seed);
}

Ciphertext Encryptor::encrypt(const Plaintext& pt) {
  const Context& ctx = *ctx_;
  check_same(ctx_, pt.context(), "plaintext");
  HNN_REQUIRE(pt.poly().domain() == rns::Domain::Ntt, "plaintext must be in the NTT domain (use Encoder)");
  const std::size_t limbs = pt.poly().limbs();
  const std::size_t n = ctx.n();
  const auto qp = first_limbs(limbs);
  std::vector<int8_t> small(n);
  auto noise = [&] {  // e over the ciphertext's Q limbs
    rns::sample_noise_cbd(prng_, small.data(), n);
    return detail::small_to_ntt(ctx, small.data(), qp);
  };

  RnsPoly c0(n, limbs, rns::Domain::Ntt), c1(n, limbs, rns::Domain::Ntt);
  if (pk_) {
    // (v b + e0, v a + e1) over Q_l u P, then ModDown by P: the encryption noise shrinks by P and
    // what remains is the rounding of the division (Lattigo's public-key encryption).
    const auto ext = ctx.extended_indices(pt.level());
    const std::size_t ext_limbs = ext.size();
    auto ext_noise = [&] {
      rns::sample_noise_cbd(prng_, small.data(), n);
      return detail::small_to_ntt(ctx, small.data(), ext);
    };
    rns::sample_ternary(prng_, small.data(), n);
    RnsPoly v = detail::small_to_ntt(ctx, small.data(), ext);
    RnsPoly e0 = ext_noise(), e1 = ext_noise();
    RnsPoly t0(n, ext_limbs, rns::Domain::Ntt), t1(n, ext_limbs, rns::Domain::Ntt);
    for (std::size_t i = 0; i < ext_limbs; ++i) {
      const rns::Modulus& q = ctx.modulus(ext[i]);
      const uint64_t *vi = v.limb(i), *bi = pk_->b().limb(ext[i]), *ai = pk_->a().limb(ext[i]);
      const uint64_t *e0i = e0.limb(i), *e1i = e1.limb(i);
      uint64_t *r0 = t0.limb(i), *r1 = t1.limb(i);
      for (std::size_t c = 0; c < n; ++c) {
        r0[c] = rns::add_mod(rns::mul_mod(vi[c], bi[c], q), e0i[c], q.value);
        r1[c] = rns::add_mod(rns::mul_mod(vi[c], ai[c], q), e1i[c], q.value);
      }
    }
    std::fill(v.words().begin(), v.words().end(), 0);
    detail::mod_down(ctx, t0, c0);
    detail::mod_down(ctx, t1, c1);
  } else {
    for (std::size_t i = 0; i < limbs; ++i) {
      const uint64_t q = ctx.modulus(i).value;
      uint64_t* a = c1.limb(i);
      for (std::size_t c = 0; c < n; ++c) a[c] = prng_.uniform(q);
    }
    detail::mul(ctx, c1, sk_->poly(), c0);
    detail::negate_inplace(ctx, c0);
    detail::add_inplace(ctx, c0, noise());
  }
  detail::add_inplace(ctx, c0, pt.poly());
  std::vector<RnsPoly> polys;
  polys.push_back(std::move(c0));
  polys.push_back(std::move(c1));
  return Ciphertext(ctx_, std::move(polys), pt.scale(), pt.slots());
}

Decryptor::Decryptor(ContextPtr ctx, const SecretKey& sk) : ctx_(std::move(ctx)) {
  check_same(ctx_, sk.context(), "secret key");
  sk_ = sk.clone();
}

Plaintext Decryptor::decrypt(const Ciphertext& ct) const {
  const Context& ctx = *ctx_;
  check_same(ctx_, ct.context(), "ciphertext");
  HNN_REQUIRE(ct.size() >= 2 && ct.size() <= 3, "ciphertext has ", ct.size(), " components");
  // Decryption runs on the host: a ciphertext on a device is copied back first (the secret key
  // never goes to a device).
  const Ciphertext host_copy = ct.device().is_cpu() ? Ciphertext() : to_host(ct);
  const Ciphertext& c = ct.device().is_cpu() ? ct : host_copy;
  RnsPoly m = c[0].clone();
  if (c.size() >= 2) detail::mul_add_inplace(ctx, m, c[1], sk_.poly());
  if (c.size() == 3) {
    RnsPoly s2(ctx.n(), m.limbs(), rns::Domain::Ntt);
    detail::mul(ctx, sk_.poly(), sk_.poly(), s2);
    detail::mul_add_inplace(ctx, m, c[2], s2);
    std::fill(s2.words().begin(), s2.words().end(), 0);
  }
  return Plaintext(ctx_, std::move(m), ct.scale(), ct.slots());
}

}  // namespace hnn::ckks
