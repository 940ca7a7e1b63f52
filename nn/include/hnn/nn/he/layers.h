// The encrypted layers, written once over a backend (PlainBackend: the slot-level plaintext twin;
// CkksBackend: ciphertexts). Slot layout in layout.h. Every layer states the levels each step
// needs through ensure_levels, which bootstraps an operand that has too few: the level planner is
// this greedy rule, so callers never count levels; the plaintext backend replays the same
// decisions, which is how the bootstrap count and the rotation keys are known before encrypting.
//
// Operation counts per layer (T tokens, C features per chunk, hd head dimension, n1 n2 = C):
//   linear       (n1 - 1) hoisted rotations per input chunk + (n2 - 1) per output chunk; C
//                plaintext products per (input, output) chunk pair; 1 level
//   scores       per key shift r < T: 1 product, log2(hd) rotations (head sum), 1 mask and
//                1 rotation (placement); 2(T - 1) hoisted rotations for the shifted keys; 3 levels;
//                max(1, T / hd) score blocks (values) per chunk
//   softmax      2 log2(T) rotations per row sum (two sums), 1 + k squarings, the reciprocal's
//                series and Newton steps
//   context      per r: 1 hoisted rotation, 1 mask, log2(hd) rotations (broadcast), 1 product;
//                3 levels
//   layer norm   log2(C) rotations per chunk and sum, 1 square, series, 2 products
#pragma once
#include <cmath>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/nn/he/layout.h"
#include "hnn/nn/he_approx.h"

namespace hnn::nn::he {

// ---- the planner ---------------------------------------------------------------------------

// Bootstraps x when it has fewer than `levels` levels. `site` names the place for the bound.
template <class B>
void ensure_levels(B& b, typename B::Value& x, int levels, std::string_view site) {
  HNN_REQUIRE(levels <= b.fresh_level(), "an operation at ", site, " needs ", levels,
              " levels but bootstrapping leaves only ", b.fresh_level(), ": use deeper parameters");
  if (b.level(x) < levels) x = b.bootstrap(x, site);
}

// ensure_levels for every value of xs, two values to a bootstrap where consecutive ones that need
// it share level and scale and the backend pairs real messages (Bootstrapper::bootstrap_pair).
template <class B>
void ensure_levels_all(B& b, std::span<typename B::Value> xs, int levels, std::string_view site) {
  HNN_REQUIRE(levels <= b.fresh_level(), "an operation at ", site, " needs ", levels,
              " levels but bootstrapping leaves only ", b.fresh_level(), ": use deeper parameters");
  std::vector<std::size_t> low;
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (b.level(xs[i]) < levels) low.push_back(i);
  for (std::size_t k = 0; k < low.size();) {
    auto& x = xs[low[k]];
    if (k + 1 < low.size() && b.pairs_bootstraps() && b.meta(x) == b.meta(xs[low[k + 1]])) {
      auto [u, v] = b.bootstrap_pair(x, xs[low[k + 1]], site);
      x = std::move(u);
      xs[low[k + 1]] = std::move(v);
      k += 2;
    } else {
      x = b.bootstrap(x, site);
      ++k;
    }
  }
}

// a += c (or -=), bootstrapping first when matching their scales needs a level neither has.
template <class B>
void add_into(B& b, typename B::Value& a, const typename B::Value& c, std::string_view site,
              bool subtract = false) {
  if (add_needs_level(b.meta(a), b.meta(c)) && std::min(b.level(a), b.level(c)) < 1) {
    if (b.level(a) < 1) a = b.bootstrap(a, std::string(site) + ".lhs");
    if (b.level(c) < 1) {
      auto cc = b.bootstrap(c, std::string(site) + ".rhs");
      subtract ? b.sub(a, cc) : b.add(a, cc);
      return;
    }
  }
  subtract ? b.sub(a, c) : b.add(a, c);
}

// acc += term (acc empty: acc = term), for terms at one level and scale (pending products, or
// products of operands at fixed levels).
template <class B>
void accumulate(B& b, std::optional<typename B::Value>& acc, typename B::Value term) {
  if (acc) b.add(*acc, term);
  else acc.emplace(std::move(term));
}

// ---- masks ---------------------------------------------------------------------------------

// f(feature_in_chunk, token) for every slot.
inline std::vector<double> slot_vector(const Layout& l, const std::function<double(std::size_t, std::size_t)>& f) {
  std::vector<double> v(l.slots);
  for (std::size_t j = 0; j < l.chunk(); ++j) {
    for (std::size_t t = 0; t < l.tokens; ++t) v[l.slot(j, t)] = f(j, t);
  }
  return v;
}

// 1 on tokens t < n.
inline std::vector<double> token_mask(const Layout& l, std::size_t n) {
  std::vector<double> m(l.tokens, 0.0);
  for (std::size_t t = 0; t < std::min(n, l.tokens); ++t) m[t] = 1.0;
  return m;
}

// ---- linear --------------------------------------------------------------------------------

// y = x W^T + bias for W [out x in] row-major (nn.Linear); the bias is added on the tokens where
// bias_tokens[t] != 0 (the real ones), so padded tokens stay zero.
struct LinearParams {
  std::span<const double> weight;  // [out x in]
  std::span<const double> bias;    // [out]
  std::size_t out = 0, in = 0;
};

// Several linear layers of the same input (Q, K and V) share its level check and its baby-step
// rotations.
template <class B>
std::vector<Tensor<typename B::Value>> linear_many(B& b, Tensor<typename B::Value> x, std::span<const LinearParams> ws,
                                                   const std::vector<double>& bias_tokens, std::string_view site) {
  using V = typename B::Value;
  const Layout& L = b.layout();
  const std::size_t C = L.chunk(), T = L.tokens;
  for (const auto& w : ws) {
    HNN_REQUIRE(x.features == w.in, site, ": linear layer of ", w.in, " inputs applied to ", x.features,
                " features");
    HNN_REQUIRE(w.weight.size() == w.out * w.in && w.bias.size() == w.out, site,
                ": weight/bias sizes do not match ", w.out, " x ", w.in);
  }
  ensure_levels_all<B>(b, x.chunks, 1, std::string(site) + ".in");
  int level = b.fresh_level();
  for (auto& c : x.chunks) level = std::min(level, b.level(c));
  for (auto& c : x.chunks) b.lower_to(c, level);

  std::size_t n1 = 1;
  while (n1 * n1 < C) n1 <<= 1;
  const std::size_t n2 = C / n1;
  std::vector<int> baby;
  for (std::size_t i = 0; i < n1; ++i) baby.push_back(static_cast<int>(i * T));
  std::vector<std::vector<V>> rots;
  for (auto& c : x.chunks) rots.push_back(b.rotate_many(c, baby));

  std::vector<Tensor<V>> out;
  std::vector<double> diag(L.slots);
  for (const auto& w : ws) {
    auto weight = [&](std::size_t o, std::size_t i, std::size_t jo, std::size_t ji) {
      const std::size_t r = o * C + jo, k = i * C + ji;
      return (r < w.out && k < w.in) ? w.weight[r * w.in + k] : 0.0;
    };
    Tensor<V> y{w.out, {}};
    for (std::size_t o = 0; o < L.chunks(w.out); ++o) {
      std::optional<V> acc;
      for (std::size_t g = 0; g < n2; ++g) {
        std::optional<V> inner;
        for (std::size_t i = 0; i < L.chunks(w.in); ++i) {
          for (std::size_t bb = 0; bb < n1; ++bb) {
            // pre-rotated diagonal g*n1 + bb: slot (j, t) -> W[(j - g n1) mod C][(j + bb) mod C]
            bool any = false;
            for (std::size_t j = 0; j < C; ++j) {
              const double v = weight(o, i, (j + C - (g * n1) % C) % C, (j + bb) % C);
              any = any || v != 0.0;
              for (std::size_t t = 0; t < T; ++t) diag[L.slot(j, t)] = v;
            }
            if (any) b.mul_plain_add(inner, rots[i][bb], diag);
          }
        }
        if (!inner) continue;
        if (g > 0) *inner = b.rotate(*inner, static_cast<int>(g * n1 * T));
        accumulate(b, acc, std::move(*inner));
      }
      HNN_REQUIRE(acc.has_value(), site, ": output chunk ", o, " has an all-zero weight block");
      b.rescale(*acc);
      std::vector<double> bias(L.slots, 0.0);
      for (std::size_t j = 0; j < C && o * C + j < w.out; ++j) {
        for (std::size_t t = 0; t < T; ++t) bias[L.slot(j, t)] = w.bias[o * C + j] * bias_tokens[t];
      }
      b.add_plain(*acc, bias);
      y.chunks.push_back(std::move(*acc));
    }
    out.push_back(std::move(y));
  }
  return out;
}

template <class B>
Tensor<typename B::Value> linear(B& b, Tensor<typename B::Value> x, const LinearParams& w,
                                 const std::vector<double>& bias_tokens, std::string_view site) {
  return std::move(linear_many(b, std::move(x), std::span<const LinearParams>(&w, 1), bias_tokens, site)[0]);
}

// ---- element-wise ----------------------------------------------------------------------------

template <class B>
void apply_series(B& b, Tensor<typename B::Value>& x, const ckks::bootstrap::ChebyshevSeries& p,
                  std::string_view site) {
  ensure_levels_all<B>(b, x.chunks, B::chebyshev_depth(p), std::string(site) + ".in");
  for (auto& c : x.chunks) c = b.chebyshev(c, p);
}

template <class B>
void add_tensors(B& b, Tensor<typename B::Value>& a, const Tensor<typename B::Value>& c, std::string_view site) {
  HNN_REQUIRE(a.features == c.features, site, ": adding ", c.features, " features to ", a.features);
  for (std::size_t i = 0; i < a.chunks.size(); ++i) add_into(b, a.chunks[i], c.chunks[i], site);
}

// ---- attention -----------------------------------------------------------------------------

// x_r for r < T: x_r[(j, t)] = scale * x[(j, (t + r) mod T)] (keys and values shifted by r tokens):
// one level.
template <class B>
std::vector<typename B::Value> token_shifts(B& b, const typename B::Value& x, double scale) {
  const Layout& L = b.layout();
  const std::size_t T = L.tokens;
  std::vector<int> steps;
  for (std::size_t r = 1; r < T; ++r) {
    steps.push_back(static_cast<int>(r));
    steps.push_back(static_cast<int>(r) - static_cast<int>(T));
  }
  auto rots = b.rotate_many(x, steps);
  std::vector<typename B::Value> out;
  out.push_back(b.mul_const(x, scale));
  for (std::size_t r = 1; r < T; ++r) {
    auto lo = slot_vector(L, [&](std::size_t, std::size_t t) { return t + r < T ? scale : 0.0; });
    auto hi = slot_vector(L, [&](std::size_t, std::size_t t) { return t + r >= T ? scale : 0.0; });
    std::optional<typename B::Value> a;
    b.mul_plain_add(a, rots[2 * (r - 1)], lo);
    b.mul_plain_add(a, rots[2 * (r - 1) + 1], hi);
    b.rescale(*a);
    out.push_back(std::move(*a));
  }
  return out;
}

struct AttentionShape {
  std::size_t head_dim = 0;  // hd: a power of two dividing C
  std::size_t real_tokens = 0;
};

// Scores are packed r-major into each head's hd features: block g holds the key shifts
// r in [g hd, (g + 1) hd), so a sequence of T <= hd tokens needs one block and a longer one
// T / hd blocks (T and hd are powers of two).
inline std::size_t score_blocks(const Layout& L, const AttentionShape& a) {
  return L.tokens <= a.head_dim ? 1 : L.tokens / a.head_dim;
}

inline void check_attention(const Layout& L, const AttentionShape& a) {
  auto pow2 = [](std::size_t v) { return v != 0 && (v & (v - 1)) == 0; };
  HNN_REQUIRE(pow2(a.head_dim) && L.chunk() % a.head_dim == 0, "head dimension ", a.head_dim,
              " must be a power of two dividing the ", L.chunk(), " features of a chunk");
  HNN_REQUIRE(a.real_tokens >= 1 && a.real_tokens <= L.tokens, "real tokens ", a.real_tokens,
              " outside 1..", L.tokens);
}

// Scores of one chunk's heads, score_blocks() values: slot (h*hd + rho, t) of block g holds
// (q_t . k_{(t+r) mod T}) / sqrt(hd) for r = g hd + rho < T, zero for r >= T. 3 levels.
template <class B>
std::vector<typename B::Value> attention_scores(B& b, typename B::Value q, typename B::Value k,
                                                const AttentionShape& a, std::string_view site) {
  const Layout& L = b.layout();
  check_attention(L, a);
  const std::size_t T = L.tokens, hd = a.head_dim;
  ensure_levels(b, k, 3, std::string(site) + ".k");
  ensure_levels(b, q, 2, std::string(site) + ".q");
  auto shifted = token_shifts(b, k, 1.0 / std::sqrt(static_cast<double>(hd)));
  const auto first = slot_vector(L, [&](std::size_t j, std::size_t) { return j % hd == 0 ? 1.0 : 0.0; });
  std::vector<std::optional<typename B::Value>> acc(score_blocks(L, a));
  for (std::size_t r = 0; r < T; ++r) {
    auto p = b.mul(q, shifted[r]);
    for (std::size_t s = 1; s < hd; s <<= 1) b.add(p, b.rotate(p, static_cast<int>(s * T)));
    auto placed = b.mul_plain_lazy(p, first);
    if (r % hd > 0) placed = b.rotate(placed, -static_cast<int>((r % hd) * T));
    accumulate(b, acc[r / hd], std::move(placed));
  }
  std::vector<typename B::Value> out;
  for (auto& block : acc) {
    b.rescale(*block);
    out.push_back(std::move(*block));
  }
  return out;
}

// Sum over r < T of each (head, token) row of the score blocks, times `factor`, in every slot of
// the row (every rho of the head, of one value standing for all blocks). 1 level.
template <class B>
typename B::Value row_sum(B& b, std::vector<typename B::Value> blocks, const AttentionShape& a, double factor) {
  const Layout& L = b.layout();
  const std::size_t T = L.tokens, hd = a.head_dim, width = std::min(T, hd);
  typename B::Value x = std::move(blocks[0]);
  for (std::size_t g = 1; g < blocks.size(); ++g) b.add(x, blocks[g]);
  for (std::size_t s = 1; s < width; s <<= 1) b.add(x, b.rotate(x, static_cast<int>(s * T)));
  x = b.mul_plain(x, slot_vector(L, [&](std::size_t j, std::size_t) { return j % hd == 0 ? factor : 0.0; }));
  for (std::size_t s = 1; s < width; s <<= 1) b.add(x, b.rotate(x, -static_cast<int>(s * T)));
  return x;
}

template <class B>
std::vector<typename B::Value> clones(B& b, const std::vector<typename B::Value>& xs) {
  std::vector<typename B::Value> out;
  for (const auto& x : xs) out.push_back(b.clone(x));
  return out;
}

// The HE-friendly softmax (he_approx.h) over the real keys of each row of attention_scores'
// output (all its blocks); padded keys get probability 0, padded query rows all 0.
template <class B>
std::vector<typename B::Value> attention_softmax(B& b, std::vector<typename B::Value> scores, const SoftmaxApprox& op,
                                                 const AttentionShape& a, std::string_view site) {
  const Layout& L = b.layout();
  const std::size_t T = L.tokens, hd = a.head_dim, n = a.real_tokens, G = scores.size();
  HNN_REQUIRE(G == score_blocks(L, a), site, ": ", G, " score blocks for ", score_blocks(L, a));
  const std::string s(site);
  const double inv_n = 1.0 / static_cast<double>(n);
  const auto valid = [&](std::size_t g, std::size_t j, std::size_t t) {
    const std::size_t r = g * hd + j % hd;
    return r < T && (t + r) % T < n ? 1.0 : 0.0;
  };
  ensure_levels_all<B>(b, scores, 1, s + ".scores");
  auto mean = row_sum(b, clones(b, scores), a, inv_n);
  for (auto& x : scores) add_into(b, x, mean, s + ".centre", true);
  ensure_levels_all<B>(b, scores, 1, s + ".centred");
  const double shrink = std::ldexp(1.0, -op.squarings);
  std::vector<typename B::Value> e;
  for (std::size_t g = 0; g < G; ++g) {
    e.push_back(b.mul_plain(scores[g], slot_vector(L, [&](std::size_t j, std::size_t t) { return valid(g, j, t) * shrink; })));
    b.add_plain(e[g], slot_vector(L, [&](std::size_t j, std::size_t t) { return valid(g, j, t); }));
  }
  for (int i = 0; i < op.squarings; ++i) {
    ensure_levels_all<B>(b, e, 1, s + ".exp");
    for (auto& x : e) x = b.square(x);
  }
  ensure_levels_all<B>(b, e, 1, s + ".e");
  auto sum = row_sum(b, clones(b, e), a, inv_n);
  // rows' unused slots (r >= T, one block only) hold 0: move them into the series' interval
  b.add_plain(sum, slot_vector(L, [&](std::size_t j, std::size_t) { return j % hd >= T ? 1.0 : 0.0; }));
  ensure_levels(b, sum, B::chebyshev_depth(op.init), s + ".sum");
  auto y = b.chebyshev(sum, op.init);
  for (int i = 0; i < op.newton; ++i) {  // y <- y (2 - S y)
    ensure_levels(b, y, 2, s + ".recip");
    ensure_levels(b, sum, 2, s + ".sum");
    auto t = b.mul(sum, y);
    b.negate(t);
    b.add_const(t, 2.0);
    y = b.mul(y, t);
  }
  ensure_levels(b, y, 1, s + ".recip");
  auto yq = b.mul_plain(y, slot_vector(L, [&](std::size_t j, std::size_t t) {
    return j % hd < T && t < n ? inv_n : 0.0;
  }));
  ensure_levels_all<B>(b, e, 1, s + ".e");
  ensure_levels(b, yq, 1, s + ".scaled_recip");
  std::vector<typename B::Value> out;
  for (auto& x : e) out.push_back(b.mul(x, yq));
  return out;
}

// Context of one chunk's heads: slot (h*hd + i, t) = sum_r p[(h*hd + r, t)] v[(h*hd + i, (t+r) mod T)]
// with p the softmax's blocks (r = g hd + rho).
template <class B>
typename B::Value attention_context(B& b, std::vector<typename B::Value> probs, typename B::Value v,
                                    const AttentionShape& a, std::string_view site) {
  const Layout& L = b.layout();
  const std::size_t T = L.tokens, hd = a.head_dim, width = std::min(T, hd);
  HNN_REQUIRE(probs.size() == score_blocks(L, a), site, ": ", probs.size(), " probability blocks for ",
              score_blocks(L, a));
  ensure_levels(b, v, 2, std::string(site) + ".v");
  ensure_levels_all<B>(b, probs, 2, std::string(site) + ".probs");
  auto shifted = token_shifts(b, v, 1.0);
  std::vector<int> steps;
  for (std::size_t rho = 0; rho < width; ++rho) steps.push_back(static_cast<int>(rho * T));
  std::vector<std::vector<typename B::Value>> moved;
  for (const auto& p : probs) moved.push_back(b.rotate_many(p, steps));
  const auto first = slot_vector(L, [&](std::size_t j, std::size_t) { return j % hd == 0 ? 1.0 : 0.0; });
  std::optional<typename B::Value> acc;
  for (std::size_t r = 0; r < T; ++r) {
    auto w = b.mul_plain(moved[r / hd][r % hd], first);
    for (std::size_t s = 1; s < hd; s <<= 1) b.add(w, b.rotate(w, -static_cast<int>(s * T)));
    accumulate(b, acc, b.mul(w, shifted[r]));
  }
  return std::move(*acc);
}

// ---- layer norm ----------------------------------------------------------------------------

// y = (x - mean) r gamma + beta with r = op(var) (series and Newton steps as he_approx.h), over the
// `features` real features of the real tokens; gamma and beta are applied on the tokens where
// out_tokens[t] != 0 only, so every other token leaves as 0.
template <class B>
Tensor<typename B::Value> layer_norm(B& b, Tensor<typename B::Value> x, std::span<const double> gamma,
                                     std::span<const double> beta, const InvSqrtApprox& op,
                                     std::size_t real_tokens, const std::vector<double>& out_tokens,
                                     std::string_view site) {
  using V = typename B::Value;
  const Layout& L = b.layout();
  const std::size_t C = L.chunk(), T = L.tokens, d = x.features;
  const std::string s(site);
  HNN_REQUIRE(gamma.size() == d && beta.size() == d, site, ": LayerNorm of ", d, " features with ",
              gamma.size(), " gammas");
  auto all_sum = [&](V v) {
    for (std::size_t k = 1; k < C; k <<= 1) b.add(v, b.rotate(v, static_cast<int>(k * T)));
    return v;
  };
  auto feature_mask = [&](std::size_t c, double value) {
    return slot_vector(L, [&, c, value](std::size_t j, std::size_t) { return c * C + j < d ? value : 0.0; });
  };
  ensure_levels_all<B>(b, x.chunks, 2, s + ".in");
  int level = b.fresh_level();
  for (auto& c : x.chunks) level = std::min(level, b.level(c));
  for (auto& c : x.chunks) b.lower_to(c, level);
  std::optional<V> total;
  for (auto& c : x.chunks) accumulate(b, total, all_sum(b.clone(c)));
  std::vector<V> centred;
  for (std::size_t c = 0; c < x.chunks.size(); ++c) {
    auto m = b.mul_plain(*total, feature_mask(c, 1.0 / static_cast<double>(d)));
    auto dc = std::move(x.chunks[c]);
    add_into(b, dc, m, s + ".centre", true);
    centred.push_back(std::move(dc));
  }
  std::optional<V> sq_total;
  for (auto& dc : centred) {
    ensure_levels(b, dc, 1, s + ".centred");
    auto sq = all_sum(b.square(dc));
    if (sq_total) add_into(b, *sq_total, sq, s + ".var_sum");
    else sq_total.emplace(std::move(sq));
  }
  ensure_levels(b, *sq_total, 1, s + ".var_sum");
  auto var = b.mul_plain(*sq_total, slot_vector(L, [&](std::size_t, std::size_t t) {
    return t < real_tokens ? 1.0 / static_cast<double>(d) : 0.0;
  }));
  // padded tokens' variance is 0: give them the middle of the interval instead
  const double mid = 0.5 * (op.init.a + op.init.b);
  b.add_plain(var, slot_vector(L, [&](std::size_t, std::size_t t) { return t < real_tokens ? 0.0 : mid; }));
  std::optional<V> half_var;
  if (op.newton > 0) {
    ensure_levels(b, var, 1, s + ".var");
    half_var.emplace(b.mul_const(var, 0.5));
  }
  ensure_levels(b, var, B::chebyshev_depth(op.init), s + ".var");
  auto r = b.chebyshev(var, op.init);
  for (int i = 0; i < op.newton; ++i) {  // y <- 1.5 y - (0.5 v y)(y y)
    ensure_levels(b, r, 2, s + ".rsqrt");
    ensure_levels(b, *half_var, 2, s + ".half_var");
    auto vy = b.mul(*half_var, r);
    auto yy = b.square(r);
    auto t = b.mul(vy, yy);
    auto y15 = b.mul_const(r, 1.5);
    add_into(b, y15, t, s + ".newton", true);
    r = std::move(y15);
  }
  Tensor<V> y{d, {}};
  for (std::size_t c = 0; c < centred.size(); ++c) {
    ensure_levels(b, centred[c], 1, s + ".centred");
    ensure_levels(b, r, 1, s + ".rsqrt");
    auto o = b.mul(centred[c], r);
    ensure_levels(b, o, 1, s + ".normalised");
    std::vector<double> g(L.slots, 0.0), be(L.slots, 0.0);
    for (std::size_t j = 0; j < C && c * C + j < d; ++j) {
      for (std::size_t t = 0; t < T; ++t) {
        g[L.slot(j, t)] = gamma[c * C + j] * out_tokens[t];
        be[L.slot(j, t)] = beta[c * C + j] * out_tokens[t];
      }
    }
    o = b.mul_plain(o, g);
    b.add_plain(o, be);
    y.chunks.push_back(std::move(o));
  }
  return y;
}

}  // namespace hnn::nn::he
