#include "hnn/ckks/keygen.h"

#include <algorithm>
#include <vector>

#include "hnn/rns/error.h"
#include "hnn/rns/parallel.h"
#include "hnn/rns/simd.h"
#include "poly_ops.h"

namespace hnn::ckks {

using rns::RnsPoly;

namespace {

std::vector<std::size_t> all_qp(const Context& ctx) {
  return ctx.extended_indices(ctx.max_level());
}

RnsPoly sample_secret(const Context& ctx, rns::Prng& prng) {
  std::vector<int8_t> s(ctx.n());
  if (ctx.params().secret() == SecretDistribution::SparseTernary)
    rns::sample_sparse_ternary(prng, s.data(), s.size(), ctx.params().hamming_weight());
  else
    rns::sample_ternary(prng, s.data(), s.size());
  RnsPoly out = detail::small_to_ntt(ctx, s.data(), all_qp(ctx));
  std::fill(s.begin(), s.end(), 0);
  return out;
}

// Uniform polynomial over the QP limbs `kept`, sampled directly in the NTT domain. The stream is
// drawn for every limb of `drawn` (kept is an ordered subset of it), limb after limb, so the words
// of a kept limb do not depend on which other limbs are kept.
RnsPoly sample_uniform(const Context& ctx, rns::Prng& prng, const std::vector<std::size_t>& drawn,
                       const std::vector<std::size_t>& kept) {
  RnsPoly out(ctx.n(), kept.size(), rns::Domain::Ntt, RnsPoly::Uninitialized{});  // every kept limb drawn below
  std::size_t next = 0;
  for (std::size_t idx : drawn) {
    const uint64_t q = ctx.modulus(idx).value;
    if (next < kept.size() && kept[next] == idx) {
      uint64_t* x = out.limb(next++);
      for (std::size_t c = 0; c < ctx.n(); ++c) x[c] = prng.uniform(q);
    } else {
      for (std::size_t c = 0; c < ctx.n(); ++c) (void)prng.uniform(q);
    }
  }
  HNN_ASSERT(next == kept.size(), "kept limbs must be an ordered subset of the drawn limbs");
  return out;
}

RnsPoly sample_uniform(const Context& ctx, rns::Prng& prng, const std::vector<std::size_t>& qp) {
  return sample_uniform(ctx, prng, qp, qp);
}

// Advance the stream exactly as sample_noise would.
void discard_noise(const Context& ctx, rns::Prng& prng) {
  std::vector<int8_t> e(ctx.n());
  rns::sample_noise_cbd(prng, e.data(), e.size());
}

RnsPoly sample_noise(const Context& ctx, rns::Prng& prng, const std::vector<std::size_t>& qp) {
  std::vector<int8_t> e(ctx.n());
  rns::sample_noise_cbd(prng, e.data(), e.size());
  return detail::small_to_ntt(ctx, e.data(), qp);
}

// out = -a * s + e over the QP limbs listed (s holds all QP limbs).
RnsPoly rlwe_b(const Context& ctx, const RnsPoly& a, const RnsPoly& s, const RnsPoly& e,
               const std::vector<std::size_t>& qp) {
  RnsPoly b(ctx.n(), qp.size(), rns::Domain::Ntt, RnsPoly::Uninitialized{});  // every word written below
  rns::for_each_limb_part(qp.size(), ctx.n(), [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const rns::Modulus& q = ctx.modulus(qp[i]);
    const uint64_t* ai = a.limb(i);
    const uint64_t* si = s.limb(qp[i]);
    const uint64_t* ei = e.limb(i);
    uint64_t* bi = b.limb(i);
    for (std::size_t c = c0; c < c1; ++c) bi[c] = rns::sub_mod(ei[c], rns::mul_mod(ai[c], si[c], q), q.value);
  });
  return b;
}

}  // namespace

KeyGenerator::KeyGenerator(ContextPtr ctx, rns::Prng prng) : ctx_(std::move(ctx)), prng_(std::move(prng)) {
  HNN_REQUIRE(ctx_ != nullptr, "KeyGenerator needs a context");
  sk_ = SecretKey(ctx_, sample_secret(*ctx_, prng_));
}

KeyGenerator::KeyGenerator(ContextPtr ctx) : KeyGenerator(ctx, rns::Prng()) {}

KeyGenerator KeyGenerator::insecure_from_seed_for_testing(ContextPtr ctx, const rns::Prng::Seed& seed) {
  return KeyGenerator(std::move(ctx), rns::Prng::insecure_from_seed_for_testing(seed));
}

KeyGenerator::KeyGenerator(ContextPtr ctx, const SecretKey& sk) : ctx_(std::move(ctx)) {
  HNN_REQUIRE(sk.context() && sk.context()->digest() == ctx_->digest(),
              "secret key belongs to another parameter set");
  sk_ = SecretKey(ctx_, sk.poly().clone());
}

PublicKey KeyGenerator::create_public_key() {
  // Over QP, so that encryption can finish with a ModDown by P (see Encryptor).
  const Context& ctx = *ctx_;
  const std::vector<std::size_t> qp = all_qp(ctx);
  RnsPoly a = sample_uniform(ctx, prng_, qp);
  RnsPoly e = sample_noise(ctx, prng_, qp);
  RnsPoly b = rlwe_b(ctx, a, sk_.poly(), e, qp);
  return PublicKey(ctx_, std::move(b), std::move(a));
}

std::vector<RnsPoly> expand_switching_key_a(const Context& ctx, const rns::Prng::Seed& seed, int max_level) {
  HNN_REQUIRE(max_level >= 0 && max_level <= ctx.max_level(), "switching key max level ", max_level,
              " is outside 0..", ctx.max_level());
  rns::Prng stream = rns::Prng::public_stream(seed);
  const std::vector<std::size_t> qp = all_qp(ctx), kept = ctx.extended_indices(max_level);
  std::vector<RnsPoly> as;
  for (int j = 0; j < ctx.digits_at_level(max_level); ++j) as.push_back(sample_uniform(ctx, stream, qp, kept));
  return as;
}

// The a_j come from a public seed drawn from this generator's stream (expand_switching_key_a), so
// the key travels as its b_j and 32 bytes. A restricted key is the full key with digits and limbs
// left out, not a key of its own: it draws exactly the randomness a full key draws, in the same
// order, and drops what it does not keep. So the same seed gives keys that agree word for word on
// every limb they share, key switching with either gives the same bytes, and the keys generated
// after it are unchanged. The price is the ChaCha20 keystream of the dropped part; no NTT or
// product is spent on it.
SwitchingKey KeyGenerator::create_switching_key(const RnsPoly& from, int max_level) {
  const Context& ctx = *ctx_;
  const int level = resolve_key_max_level(ctx, max_level);
  const std::vector<std::size_t> kept = ctx.extended_indices(level);  // the limbs this key keeps
  const std::size_t kept_chain = static_cast<std::size_t>(level) + 1;
  const std::size_t alpha = static_cast<std::size_t>(ctx.params().alpha());
  const int dnum = ctx.digits_at_level(ctx.max_level());
  const int kept_digits = ctx.digits_at_level(level);
  const rns::Prng::Seed seed = prng_.next_seed();
  std::vector<RnsPoly> as = expand_switching_key_a(ctx, seed, level), bs;
  for (int j = 0; j < dnum; ++j) {
    if (j >= kept_digits) {
      discard_noise(ctx, prng_);
      continue;
    }
    const RnsPoly& a = as[static_cast<std::size_t>(j)];
    RnsPoly e = sample_noise(ctx, prng_, kept);
    RnsPoly b = rlwe_b(ctx, a, sk_.poly(), e, kept);
    // + P * s' on the digit's Q limbs: the RNS gadget factor P * Qhat_j * [Qhat_j^{-1}]_{Q_j} is
    // P mod q_i on the digit's limbs and 0 elsewhere. Key limb i is q_i for i <= level.
    const std::size_t begin = j * alpha, end = std::min(kept_chain, (j + 1) * alpha);
    rns::for_each_limb_part(end - begin, ctx.n(), [&](std::size_t k, std::size_t c0, std::size_t c1) {
      const std::size_t i = begin + k;
      rns::add_mul_shoup_words(b.limb(i) + c0, from.limb(i) + c0, nullptr, c1 - c0, ctx.p_mod_q(i), ctx.p_mod_q_shoup(i),
                               ctx.modulus(i).value);
    });
    bs.push_back(std::move(b));
  }
  SwitchingKey key(ctx_, std::move(bs), std::move(as), level);
  key.set_a_seed(seed);
  return key;
}

RelinKey KeyGenerator::create_relin_key() {
  const Context& ctx = *ctx_;
  RnsPoly s2(ctx.n(), sk_.poly().limbs(), rns::Domain::Ntt);
  const std::vector<std::size_t> qp = all_qp(ctx);
  for (std::size_t i = 0; i < qp.size(); ++i) {
    const rns::Modulus& q = ctx.modulus(qp[i]);
    const uint64_t* s = sk_.poly().limb(i);
    uint64_t* d = s2.limb(i);
    for (std::size_t c = 0; c < ctx.n(); ++c) d[c] = rns::mul_mod(s[c], s[c], q);
  }
  RelinKey key(create_switching_key(s2));
  std::fill(s2.words().begin(), s2.words().end(), 0);
  return key;
}

void KeyGenerator::add_galois_keys(GaloisKeys& keys, const std::vector<uint32_t>& elements, int max_level) {
  HNN_REQUIRE(keys.context() && keys.context()->digest() == ctx_->digest(),
              "Galois keys belong to another parameter set");
  const int level = resolve_key_max_level(*ctx_, max_level);
  for (uint32_t g : elements) {
    // One key per element, the one covering more levels: an existing key that reaches `level`
    // stays (a full key is never replaced by a restricted one); a narrower one is replaced.
    if (const SwitchingKey* old = keys.find(g); old && old->max_level() >= level) continue;
    const auto& perm = ctx_->galois_permutation(g);
    RnsPoly sg(ctx_->n(), sk_.poly().limbs(), rns::Domain::Ntt);
    detail::permute(*ctx_, sk_.poly(), perm, sg);
    keys.insert(g, create_switching_key(sg, level));
    std::fill(sg.words().begin(), sg.words().end(), 0);
  }
}

GaloisKeys KeyGenerator::create_galois_keys(const std::vector<int>& steps, bool conjugation, int max_level) {
  GaloisKeys keys(ctx_);
  std::vector<uint32_t> elements;
  for (int s : steps) elements.push_back(ctx_->galois_element(s));
  if (conjugation) elements.push_back(ctx_->conjugation_element());
  add_galois_keys(keys, elements, max_level);
  return keys;
}

EncapsulationKeys KeyGenerator::create_encapsulation_keys(int hamming_weight, std::size_t special_primes) {
  const Context& ctx = *ctx_;
  const std::size_t n = ctx.n();
  HNN_REQUIRE(hamming_weight > 0 && static_cast<std::size_t>(hamming_weight) <= n / 2,
              "encapsulation Hamming weight ", hamming_weight, " must be in 1..N/2");
  HNN_REQUIRE(special_primes >= 1 && special_primes <= ctx.special_count(), "encapsulation needs 1..",
              ctx.special_count(), " special primes, asked for ", special_primes);
  ParametersLiteral lit;
  lit.log_n = ctx.params().log_n();
  lit.q = {ctx.params().q()[0]};
  lit.p.assign(ctx.params().p().begin(), ctx.params().p().begin() + static_cast<std::ptrdiff_t>(special_primes));
  lit.dnum = 1;
  lit.log_scale = ctx.params().log_scale();
  lit.secret = SecretDistribution::SparseTernary;
  lit.hamming_weight = hamming_weight;
  lit.security = SecurityLevel::None;  // its modulus q_0 P' is small; see EncapsulationKeys
  EncapsulationKeys out;
  out.small = Context::create(Parameters::create(lit));
  out.hamming_weight = hamming_weight;
  const Context& small = *out.small;

  std::vector<int8_t> coeffs(n);
  rns::sample_sparse_ternary(prng_, coeffs.data(), n, static_cast<std::size_t>(hamming_weight));
  RnsPoly sparse_main = detail::small_to_ntt(ctx, coeffs.data(), all_qp(ctx));
  SecretKey sparse_small(out.small, detail::small_to_ntt(small, coeffs.data(), small.extended_indices(0)));
  std::fill(coeffs.begin(), coeffs.end(), 0);
  out.from_sparse = create_switching_key(sparse_main);
  std::fill(sparse_main.words().begin(), sparse_main.words().end(), 0);

  // The dense secret restricted to q_0 and the kept special primes (same primes, same NTT tables).
  RnsPoly dense_small(n, 1 + special_primes, rns::Domain::Ntt);
  std::copy(sk_.poly().limb(0), sk_.poly().limb(0) + n, dense_small.limb(0));
  for (std::size_t j = 0; j < special_primes; ++j)
    std::copy(sk_.poly().limb(ctx.p_index(j)), sk_.poly().limb(ctx.p_index(j)) + n, dense_small.limb(1 + j));
  KeyGenerator sparse_gen(out.small, prng_.fork());
  sparse_gen.sk_ = std::move(sparse_small);
  out.to_sparse = sparse_gen.create_switching_key(dense_small);
  std::fill(dense_small.words().begin(), dense_small.words().end(), 0);
  return out;
}

}  // namespace hnn::ckks
