// The encrypted layer stack (hnn/nn/he): each layer on the plaintext backend against a direct
// matrix computation, then on CKKS (insecure logN = 12, 9 levels between bootstraps) against the
// plaintext backend, with bootstrapping placed by the planner.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/encryptor.h"
#include "hnn/ckks/keygen.h"
#include "hnn/nn/he/ckks_backend.h"
#include "hnn/nn/he/layers.h"
#include "hnn/nn/he/lockstep_backend.h"
#include "hnn/nn/he/plain_backend.h"
#include "test_util.h"

namespace hnn::nn::he {
namespace {

using ckks::bootstrap::ChebyshevSeries;
using ckks::bootstrap::interpolate;
using Mat = std::vector<double>;  // row-major

constexpr std::size_t kTokens = 4, kSlots = 64, kReal = 3, kDim = 16, kHidden = 32, kHeadDim = 8;
const Layout kLayout{kTokens, kSlots};

Mat random_values(std::size_t n, double bound) {
  std::uniform_real_distribution<double> d(-bound, bound);
  Mat v(n);
  for (double& x : v) x = d(test::rng());
  return v;
}

struct Approximations {
  SoftmaxApprox softmax;
  InvSqrtApprox inv_sqrt;
  ChebyshevSeries gelu;
  Approximations() {
    softmax.name = "softmax";
    softmax.squarings = 3;
    softmax.init = interpolate([](long double x) { return 1.0L / x; }, 0.3, 12.0, 31);
    softmax.newton = 1;
    inv_sqrt.name = "ln";
    inv_sqrt.init = interpolate([](long double x) { return 1.0L / std::sqrt(x); }, 0.02, 2.0, 15);
    inv_sqrt.newton = 1;
    gelu = interpolate([](long double x) { return 0.5L * x * (1.0L + std::erf(x / std::sqrt(2.0L))); }, -6, 6, 15);
  }
};

// ---- direct references on the real tokens ---------------------------------------------------

Mat ref_linear(const Mat& x, std::size_t n, const LinearParams& w) {
  Mat y(n * w.out);
  for (std::size_t t = 0; t < n; ++t) {
    for (std::size_t o = 0; o < w.out; ++o) {
      double s = w.bias[o];
      for (std::size_t i = 0; i < w.in; ++i) s += w.weight[o * w.in + i] * x[t * w.in + i];
      y[t * w.out + o] = s;
    }
  }
  return y;
}

Mat ref_attention(const Mat& q, const Mat& k, const Mat& v, std::size_t n, const SoftmaxApprox& op,
                  std::size_t dim = kDim, std::size_t head_dim = kHeadDim) {
  Mat ctx(n * dim, 0.0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  for (std::size_t h = 0; h < dim / head_dim; ++h) {
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> row(n);
      for (std::size_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::size_t e = 0; e < head_dim; ++e) s += q[i * dim + h * head_dim + e] * scale * k[j * dim + h * head_dim + e];
        row[j] = s;
      }
      op.apply(row);
      for (std::size_t e = 0; e < head_dim; ++e) {
        double acc = 0;
        for (std::size_t j = 0; j < n; ++j) acc += row[j] * v[j * dim + h * head_dim + e];
        ctx[i * dim + h * head_dim + e] = acc;
      }
    }
  }
  return ctx;
}

Mat ref_layer_norm(const Mat& x, std::size_t n, std::size_t d, const Mat& gamma, const Mat& beta,
                   const InvSqrtApprox& op) {
  Mat y(n * d);
  for (std::size_t t = 0; t < n; ++t) {
    double mean = 0, var = 0;
    for (std::size_t i = 0; i < d; ++i) mean += x[t * d + i];
    mean /= static_cast<double>(d);
    for (std::size_t i = 0; i < d; ++i) var += (x[t * d + i] - mean) * (x[t * d + i] - mean);
    var /= static_cast<double>(d);
    const double r = op(var);
    for (std::size_t i = 0; i < d; ++i) y[t * d + i] = (x[t * d + i] - mean) * r * gamma[i] + beta[i];
  }
  return y;
}

// ---- one block-shaped computation, written once for both backends ---------------------------

struct Weights {
  Mat wq, bq, wk, bk, wv, bv, w1, b1, w2, b2, gamma, beta;
  Weights()
      : wq(random_values(kDim * kDim, 0.25)), bq(random_values(kDim, 0.1)),
        wk(random_values(kDim * kDim, 0.25)), bk(random_values(kDim, 0.1)),
        wv(random_values(kDim * kDim, 0.25)), bv(random_values(kDim, 0.1)),
        w1(random_values(kHidden * kDim, 0.25)), b1(random_values(kHidden, 0.1)),
        w2(random_values(kDim * kHidden, 0.25)), b2(random_values(kDim, 0.1)),
        gamma(random_values(kDim, 1.0)), beta(random_values(kDim, 0.2)) {}
  static LinearParams lp(const Mat& w, const Mat& b, std::size_t out, std::size_t in) {
    return LinearParams{w, b, out, in};
  }
};

struct Outputs {
  Mat context, normalised, ffn;
};

template <class B>
Tensor<typename B::Value> single(B& b, std::size_t features, const typename B::Value& v) {
  Tensor<typename B::Value> t{features, {}};
  t.chunks.push_back(b.clone(v));
  return t;
}

template <class B>
Outputs run_block(B& b, Tensor<typename B::Value> x, const Weights& w, const Approximations& a) {
  const auto mask = token_mask(kLayout, kReal);
  auto q = linear(b, single(b, x.features, x.chunks[0]), Weights::lp(w.wq, w.bq, kDim, kDim), mask, "q");
  auto k = linear(b, single(b, x.features, x.chunks[0]), Weights::lp(w.wk, w.bk, kDim, kDim), mask, "k");
  auto v = linear(b, single(b, x.features, x.chunks[0]), Weights::lp(w.wv, w.bv, kDim, kDim), mask, "v");
  const AttentionShape shape{kHeadDim, kReal};
  auto scores = attention_scores(b, std::move(q.chunks[0]), std::move(k.chunks[0]), shape, "att");
  auto probs = attention_softmax(b, std::move(scores), a.softmax, shape, "att.softmax");
  Tensor<typename B::Value> ctx{kDim, {}};
  ctx.chunks.push_back(attention_context(b, std::move(probs), std::move(v.chunks[0]), shape, "att.ctx"));
  auto res = single(b, kDim, ctx.chunks[0]);
  add_tensors(b, res, x, "residual");
  auto ln = layer_norm(b, std::move(res), w.gamma, w.beta, a.inv_sqrt, kReal, mask, "ln");
  auto h = linear(b, single(b, kDim, ln.chunks[0]), Weights::lp(w.w1, w.b1, kHidden, kDim), mask, "ffn1");
  apply_series(b, h, a.gelu, "gelu");
  auto out = linear(b, std::move(h), Weights::lp(w.w2, w.b2, kDim, kHidden), mask, "ffn2");
  auto dec = [&](const Tensor<typename B::Value>& t) {
    std::vector<std::vector<double>> chunks;
    for (const auto& c : t.chunks) chunks.push_back(b.decrypt(c));
    return unpack(kLayout, chunks, kTokens, t.features);
  };
  return Outputs{dec(ctx), dec(ln), dec(out)};
}

double max_abs(const Mat& m) {
  double r = 0;
  for (double x : m) r = std::max(r, std::fabs(x));
  return r;
}
double max_diff(const Mat& a, const Mat& b, std::size_t rows, std::size_t cols) {
  double r = 0;
  for (std::size_t i = 0; i < rows * cols; ++i) r = std::max(r, std::fabs(a[i] - b[i]));
  return r;
}

TEST(HeLayers, PlainBackendMatchesDirectComputation) {
  const Weights w;
  const Approximations a;
  const Mat x = random_values(kReal * kDim, 1.0);
  PlainBackend b(kLayout, 9);
  Tensor<PlainBackend::Value> xt{kDim, {}};
  for (auto& c : pack(kLayout, x, kReal, kDim)) xt.chunks.push_back(b.encrypt(c));
  const Outputs got = run_block(b, std::move(xt), w, a);

  const Mat q = ref_linear(x, kReal, Weights::lp(w.wq, w.bq, kDim, kDim));
  const Mat k = ref_linear(x, kReal, Weights::lp(w.wk, w.bk, kDim, kDim));
  const Mat v = ref_linear(x, kReal, Weights::lp(w.wv, w.bv, kDim, kDim));
  const Mat ctx = ref_attention(q, k, v, kReal, a.softmax);
  Mat res = ctx;
  for (std::size_t i = 0; i < res.size(); ++i) res[i] += x[i];
  const Mat ln = ref_layer_norm(res, kReal, kDim, w.gamma, w.beta, a.inv_sqrt);
  Mat h = ref_linear(ln, kReal, Weights::lp(w.w1, w.b1, kHidden, kDim));
  for (double& e : h) e = a.gelu.evaluate(e);
  const Mat out = ref_linear(h, kReal, Weights::lp(w.w2, w.b2, kDim, kHidden));

  EXPECT_LT(max_diff(got.context, ctx, kReal, kDim), 1e-9 * (1 + max_abs(ctx)));
  EXPECT_LT(max_diff(got.normalised, ln, kReal, kDim), 1e-9 * (1 + max_abs(ln)));
  EXPECT_LT(max_diff(got.ffn, out, kReal, kDim), 1e-9 * (1 + max_abs(out)));
  // padded tokens leave LayerNorm as exact zeros
  for (std::size_t i = kReal * kDim; i < kTokens * kDim; ++i) EXPECT_EQ(got.normalised[i], 0.0);
  // the planner bootstrapped, and recorded every site and rotation
  EXPECT_GT(b.counters().bootstraps, 0u);
  EXPECT_EQ(b.site_maxima().size() > 0, true);
  EXPECT_FALSE(b.rotation_steps().empty());
}

// A sequence longer than the head dimension: each head's scores spread over T / hd blocks.
TEST(HeLayers, AttentionOverMoreTokensThanTheHeadDimension) {
  const Approximations a;
  constexpr std::size_t dim = 16, hd = 4;
  for (const std::size_t tokens : {4u, 8u, 16u}) {  // 1, 2 and 4 score blocks
    SCOPED_TRACE("T = " + std::to_string(tokens));
    const std::size_t n = tokens - tokens / 4 + 1;  // some padded tokens
    const Layout layout{tokens, tokens * dim};      // one chunk of all 16 features
    const Mat q = random_values(n * dim, 0.6), k = random_values(n * dim, 0.6), v = random_values(n * dim, 1.0);
    PlainBackend b(layout, 9);
    auto enc = [&](const Mat& m) { return b.encrypt(pack(layout, m, n, dim)[0]); };
    const AttentionShape shape{hd, n};
    auto scores = attention_scores(b, enc(q), enc(k), shape, "att");
    EXPECT_EQ(scores.size(), std::max<std::size_t>(1, tokens / hd));
    auto probs = attention_softmax(b, std::move(scores), a.softmax, shape, "att.softmax");
    const auto ctx = attention_context(b, std::move(probs), enc(v), shape, "att.ctx");
    const Mat got = unpack(layout, {b.decrypt(ctx)}, tokens, dim);
    const Mat want = ref_attention(q, k, v, n, a.softmax, dim, hd);
    EXPECT_LT(max_diff(got, want, n, dim), 1e-9 * (1 + max_abs(want)));
    for (std::size_t i = n * dim; i < tokens * dim; ++i) EXPECT_EQ(got[i], 0.0) << "padded token slot " << i;
  }
}

TEST(HeLayers, PlannerRejectsAnOperationDeeperThanBootstrapping) {
  PlainBackend b(kLayout, 3);
  auto x = b.encrypt(std::vector<double>(kSlots, 0.5));
  const auto deep = interpolate([](long double v) { return 1.0L / v; }, 0.3, 12.0, 31);  // 7 levels
  EXPECT_THROW(ensure_levels(b, x, PlainBackend::chebyshev_depth(deep), "deep"), InvalidArgument);
}

// The insecure n12 bootstrapping preset with real slots and the layers' 9 levels, keys from `seed`.
struct BootWorld {
  ckks::ContextPtr ctx;
  ckks::bootstrap::Bootstrapper boot;
  ckks::KeyGenerator keygen;
  EvaluationKeys keys;
  ckks::Encoder encoder;
  ckks::Encryptor encryptor;
  ckks::Decryptor decryptor;
  explicit BootWorld(std::uint8_t seed, ckks::bootstrap::presets::BootstrapPreset preset = real_preset())
      : ctx(ckks::Context::create(ckks::Parameters::create(preset.params))),
        boot(ctx, preset.config),
        keygen(ckks::KeyGenerator::insecure_from_seed_for_testing(ctx, rns::Prng::Seed{{seed}})),
        keys(boot.create_keys(keygen)),
        encoder(ctx),
        encryptor(ctx, keygen.create_public_key()),
        decryptor(ctx, keygen.secret_key()) {}
  static ckks::bootstrap::presets::BootstrapPreset real_preset() {
    auto preset = ckks::bootstrap::presets::insecure_n12_bootstrap(kSlots, 9);
    preset.config.real_slots = true;
    return preset;
  }
};

TEST(HeLayers, CkksBlockMatchesPlainBackend) {
  const Weights w;
  const Approximations a;
  const Mat x = random_values(kReal * kDim, 1.0);
  const auto packed = pack(kLayout, x, kReal, kDim);

  // the plaintext run: expected values, bootstrap bounds and rotation steps
  PlainBackend plain(kLayout, 9);
  Tensor<PlainBackend::Value> xp{kDim, {}};
  xp.chunks.push_back(plain.encrypt(packed[0]));
  const Outputs want = run_block(plain, std::move(xp), w, a);

  BootWorld bw(7);
  auto& [ctx, boot, keygen, keys, encoder, encryptor, decryptor] = bw;
  ASSERT_EQ(boot.output_level(), 9);
  std::vector<uint32_t> elements;
  for (int s : plain.rotation_steps()) {
    if (!keys.galois.has(ctx->galois_element(s))) elements.push_back(ctx->galois_element(s));
  }
  keygen.add_galois_keys(keys.galois, elements);

  // run_block decrypts through the backend's decrypt: give the test's CKKS backend one
  struct Backend : CkksBackend {
    ckks::Decryptor* dec;
    ckks::Encoder* encoder;
    using CkksBackend::CkksBackend;
    std::vector<double> decrypt(const Value& v) const { return encoder->decode_real(dec->decrypt(v.ct)); }
  };
  Backend eb(kLayout, boot, keys, bounds_from_maxima(plain.site_maxima(), 2.0));
  eb.dec = &decryptor;
  eb.encoder = &encoder;
  auto ct = encryptor.encrypt(encoder.encode(std::span<const double>(packed[0]), eb.fresh_level()));
  Tensor<CkksBackend::Value> xe{kDim, {}};
  xe.chunks.push_back(eb.adopt(std::move(ct)));
  const Outputs got = run_block(eb, std::move(xe), w, a);

  EXPECT_EQ(eb.counters().bootstraps, plain.counters().bootstraps);
  EXPECT_EQ(eb.counters().rotations, plain.counters().rotations);
  auto bits = [](const Mat& g, const Mat& r) {
    return -std::log2(max_diff(g, r, kTokens, r.size() / kTokens) / std::max(1.0, max_abs(r)));
  };
  const double b_ctx = bits(got.context, want.context), b_ln = bits(got.normalised, want.normalised),
               b_ffn = bits(got.ffn, want.ffn);
  std::printf("bootstraps %zu, rotations %zu; precision (bits, max error vs max(1, |x|)): context %.1f, "
              "layer norm %.1f, ffn %.1f\n",
              eb.counters().bootstraps, eb.counters().rotations, b_ctx, b_ln, b_ffn);
  EXPECT_GE(b_ctx, 16.0);
  EXPECT_GE(b_ln, 14.0);
  EXPECT_GE(b_ffn, 14.0);

  // the lockstep diagnostic compares every bootstrap input with the plaintext backend's
  CkksBackend ckks_side(kLayout, boot, keys, bounds_from_maxima(plain.site_maxima(), 2.0));
  PlainBackend plain_side(kLayout, 9);
  LockstepBackend both(ckks_side, plain_side,
                       [&](const ckks::Ciphertext& c) { return encoder.decode_real(decryptor.decrypt(c)); });
  Tensor<LockstepBackend::Value> xl{kDim, {}};
  xl.chunks.push_back({ckks_side.adopt(encryptor.encrypt(encoder.encode(std::span<const double>(packed[0]), 9))),
                       plain_side.encrypt(packed[0])});
  const Outputs lock = run_block(both, std::move(xl), w, a);
  ASSERT_EQ(both.errors().size(), plain.counters().bootstraps);
  for (const auto& e : both.errors()) {
    EXPECT_GE(-std::log2(e.max_error / std::max(1.0, e.max_value)), 16.0) << e.site;
  }
  EXPECT_GE(bits(lock.ffn, want.ffn), 14.0);
}

// A bootstrapped value feeds a deep series on a wide interval (the softmax reciprocal's shape:
// degree 63 on [0.9, 1096]) as precisely as a fresh one: the bootstrap output is brought back near
// the default scale, and the series' power basis lands near the primes' scale.
TEST(HeLayers, DeepSeriesOnABootstrappedValue) {
  BootWorld w(9);
  auto& [ctx, boot, keygen, keys, encoder, encryptor, decryptor] = w;
  const auto series = interpolate([](long double v) { return 1.0L / v; }, 0.9, 1096.0, 63);
  std::vector<double> x(kSlots);
  for (std::size_t i = 0; i < kSlots; ++i) x[i] = 1.0 + 5.0 * static_cast<double>(i) / kSlots;
  CkksBackend b(kLayout, boot, keys, {{"s", 8.0}});
  auto fresh = b.adopt(encryptor.encrypt(encoder.encode(std::span<const double>(x), b.fresh_level())));
  auto error = [&](const CkksBackend::Value& in) {
    const auto got = encoder.decode_real(decryptor.decrypt(b.chebyshev(in, series).ct));
    double e = 0;
    for (std::size_t i = 0; i < kSlots; ++i) e = std::max(e, std::fabs(got[i] - series.evaluate(x[i])));
    return e;
  };
  const double e_fresh = error(fresh);
  const double e_boot = error(b.bootstrap(fresh, "s"));
  std::printf("degree-63 series: error %.3g from a fresh value, %.3g from a bootstrapped one\n", e_fresh, e_boot);
  EXPECT_LT(e_fresh, 1e-5);
  EXPECT_LT(e_boot, 1e-5);
}

// Two values of equal meta share one bootstrap (x + i y), as precise as two bootstraps; the
// planner pairs consecutive values that need it and share level and scale.
TEST(HeLayers, PairedBootstrapMatchesTwoSingles) {
  BootWorld w(11);
  auto& [ctx, boot, keygen, keys, encoder, encryptor, decryptor] = w;
  const std::vector<double> x = random_values(kSlots, 7.0), y = random_values(kSlots, 7.0);
  CkksBackend b(kLayout, boot, keys, {{"s", 8.0}});
  ASSERT_TRUE(b.pairs_bootstraps());
  auto encrypt = [&](const std::vector<double>& v) {
    auto ct = b.adopt(encryptor.encrypt(encoder.encode(std::span<const double>(v), b.fresh_level())));
    b.lower_to(ct, 0);
    return ct;
  };
  struct Errors {
    double max = 0, square_sum = 0;
  };
  auto error = [&](const CkksBackend::Value& v, const std::vector<double>& want, Errors& e) {
    EXPECT_EQ(v.ct.level(), b.fresh_level());
    const auto got = encoder.decode_real(decryptor.decrypt(v.ct));
    for (std::size_t i = 0; i < kSlots; ++i) {
      const double d = std::fabs(got[i] - want[i]);
      e.max = std::max(e.max, d);
      e.square_sum += d * d;
    }
  };
  const auto fx = encrypt(x), fy = encrypt(y);
  const auto [px, py] = b.bootstrap_pair(fx, fy, "s");
  EXPECT_EQ(b.counters().bootstraps, 1u);
  EXPECT_EQ(px.meta, py.meta);
  Errors pair, single;
  error(px, x, pair), error(py, y, pair);
  error(b.bootstrap(fx, "s"), x, single), error(b.bootstrap(fy, "s"), y, single);
  std::printf("|x|, |y| <= 7: paired bootstrap error max %.3g rms %.3g, two single ones max %.3g rms %.3g\n",
              pair.max, std::sqrt(pair.square_sum / (2 * kSlots)), single.max, std::sqrt(single.square_sum / (2 * kSlots)));
  EXPECT_LT(pair.max, 1e-5);
  // By RMS, not by the largest errors: ratios of maxima of independent noise swing by 2x.
  EXPECT_LT(pair.square_sum, 16 * single.square_sum);  // RMS ratio < 4

  // the planner: three values at level 0 -> two bootstraps; values of different meta are not paired
  PlainBackend plain(kLayout, 9);
  std::vector<PlainBackend::Value> three;
  for (int i = 0; i < 3; ++i) {
    three.push_back(plain.encrypt(x));
    plain.lower_to(three.back(), 0);
  }
  ensure_levels_all<PlainBackend>(plain, three, 2, "s");
  EXPECT_EQ(plain.counters().bootstraps, 2u);
  EXPECT_EQ(three[0].meta, three[1].meta);
  EXPECT_NE(three[1].meta, three[2].meta);
  for (auto& v : three) EXPECT_EQ(v.meta.level, 9);
  plain.lower_to(three[0], 0);
  plain.lower_to(three[2], 1);
  ensure_levels_all<PlainBackend>(plain, three, 2, "s");  // level 0 and level 1: two single bootstraps
  EXPECT_EQ(plain.counters().bootstraps, 4u);
  PlainBackend unpaired(kLayout, 9, false);
  std::vector<PlainBackend::Value> two{unpaired.encrypt(x), unpaired.encrypt(y)};
  for (auto& v : two) unpaired.lower_to(v, 0);
  ensure_levels_all<PlainBackend>(unpaired, two, 1, "s");
  EXPECT_EQ(unpaired.counters().bootstraps, 2u);
}

}  // namespace
}  // namespace hnn::nn::he
