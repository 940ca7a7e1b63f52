// The plaintext backend: the encrypted layers' slot-level twin. It runs the same slot operations as
// the CKKS backend (rotations, masks, products, Chebyshev series by Clenshaw) on vectors of
// doubles, and applies the same level rules (Meta), so a run on it reproduces the encrypted run's
// every level decision and bootstrap. It also records what the encrypted run needs to know in
// advance: the rotation steps (the Galois keys the client must generate) and, per bootstrap site,
// the largest slot magnitude seen (the bound a site's input is divided by before bootstrapping).
#pragma once
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/ckks/bootstrap/chebyshev.h"
#include "hnn/ckks/polynomial.h"
#include "hnn/nn/he/layout.h"

namespace hnn::nn::he {

struct RunCounters {
  std::size_t bootstraps = 0, rotations = 0, products = 0, plain_products = 0, series = 0;
};

class PlainBackend {
 public:
  struct Value {
    std::vector<double> v;
    Meta meta;
    bool pending = false;  // multiplied by a plaintext, rescale not yet done
  };

  // fresh_level: the level of fresh ciphertexts and of bootstrapping's output.
  // pair_bootstraps: two real values may share a bootstrap (as CkksBackend over a real-slot
  // bootstrapper does); the twin then makes the same decisions and counts.
  PlainBackend(Layout layout, int fresh_level, bool pair_bootstraps = true)
      : layout_(layout), fresh_level_(fresh_level), pair_bootstraps_(pair_bootstraps) {
    layout_.validate();
  }

  const Layout& layout() const { return layout_; }
  int fresh_level() const { return fresh_level_; }
  int level(const Value& x) const { return x.meta.level; }
  const Meta& meta(const Value& x) const { return x.meta; }
  void lower_to(Value& x, int level) const {
    HNN_ASSERT(!x.pending, "lowering a value with a pending rescale");
    x.meta = lowered(x.meta, level);
  }
  Value clone(const Value& x) const { return x; }
  Value encrypt(const std::vector<double>& slots) const {
    HNN_REQUIRE(slots.size() == layout_.slots, "encrypt: ", slots.size(), " values for ", layout_.slots, " slots");
    return Value{slots, Meta{fresh_level_, 0}};
  }
  std::vector<double> decrypt(const Value& x) const { return x.v; }

  Value mul_plain(const Value& x, const std::vector<double>& p) {
    Value r = mul_plain_lazy(x, p);
    rescale(r);
    return r;
  }
  // acc += x * p, pending (acc empty: acc = x * p).
  void mul_plain_add(std::optional<Value>& acc, const Value& x, const std::vector<double>& p) {
    if (!acc) {
      acc.emplace(mul_plain_lazy(x, p));
      return;
    }
    add(*acc, mul_plain_lazy(x, p));
  }
  Value mul_plain_lazy(const Value& x, const std::vector<double>& p) {
    need_level(x, 1, "a plaintext product");
    ++counters_.plain_products;
    Value r{x.v, x.meta, true};
    for (std::size_t i = 0; i < r.v.size(); ++i) r.v[i] *= p[i];
    return r;
  }
  void rescale(Value& x) const {
    HNN_ASSERT(x.pending, "rescale of a value with no pending product");
    x.pending = false;
    x.meta = Meta{x.meta.level - 1, 0};
  }
  Value mul_const(const Value& x, double c) {
    return mul_plain(x, std::vector<double>(layout_.slots, c));
  }
  Value mul(const Value& a, const Value& b) {
    auto [ma, mb] = levelled(a.meta, b.meta);
    need_level(Value{{}, ma}, 1, "a product");
    ++counters_.products;
    Value r{a.v, Meta{ma.level - 1, product_scale_id(ma.scale_id, mb.scale_id)}};
    for (std::size_t i = 0; i < r.v.size(); ++i) r.v[i] *= b.v[i];
    return r;
  }
  Value square(const Value& a) { return mul(a, a); }
  void add(Value& a, const Value& b) { combine(a, b, 1.0); }
  void sub(Value& a, const Value& b) { combine(a, b, -1.0); }
  void add_plain(Value& a, const std::vector<double>& p) const {
    for (std::size_t i = 0; i < a.v.size(); ++i) a.v[i] += p[i];
  }
  void add_const(Value& a, double c) const {
    for (double& x : a.v) x += c;
  }
  void negate(Value& a) const {
    for (double& x : a.v) x = -x;
  }
  Value rotate(const Value& x, int step) {
    if (layout_.normal_step(step) == 0) return x;
    steps_.insert(layout_.normal_step(step));
    ++counters_.rotations;
    Value r = x;
    const auto s = static_cast<std::ptrdiff_t>(layout_.slots);
    const std::ptrdiff_t k = ((step % s) + s) % s;
    for (std::ptrdiff_t i = 0; i < s; ++i) r.v[static_cast<std::size_t>(i)] = x.v[static_cast<std::size_t>((i + k) % s)];
    return r;
  }
  std::vector<Value> rotate_many(const Value& x, const std::vector<int>& steps) {
    std::vector<Value> out;
    out.reserve(steps.size());
    for (int s : steps) out.push_back(rotate(x, s));
    return out;
  }
  static int chebyshev_depth(const ckks::bootstrap::ChebyshevSeries& p) { return ckks::chebyshev_depth(p); }
  Value chebyshev(const Value& x, const ckks::bootstrap::ChebyshevSeries& p) {
    const int depth = chebyshev_depth(p);
    need_level(x, depth, "a Chebyshev series");
    ++counters_.series;
    Value r{x.v, Meta{x.meta.level - depth, 0}};
    for (double& v : r.v) v = p.evaluate(v);  // Clenshaw in long double
    return r;
  }
  Value bootstrap(const Value& x, std::string_view site) {
    ++counters_.bootstraps;
    record(x, site);
    return Value{x.v, Meta{fresh_level_, ++bootstrap_ids_}};
  }
  bool pairs_bootstraps() const { return pair_bootstraps_; }
  // One bootstrap for two values of equal meta; both outputs share one scale.
  std::pair<Value, Value> bootstrap_pair(const Value& x, const Value& y, std::string_view site) {
    HNN_ASSERT(pair_bootstraps_ && x.meta == y.meta, "bootstrap_pair of values with different levels or scales");
    ++counters_.bootstraps;
    record(x, site);
    record(y, site);
    const Meta m{fresh_level_, ++bootstrap_ids_};
    return {Value{x.v, m}, Value{y.v, m}};
  }

  // Every rotation step used, in [-(S-1), S-1] normalised to (-S/2, S/2].
  const std::set<int>& rotation_steps() const { return steps_; }
  const std::map<std::string, double>& site_maxima() const { return site_max_; }
  const RunCounters& counters() const { return counters_; }
  void reset_counters() { counters_ = {}; }

 private:
  void record(const Value& x, std::string_view site) {
    HNN_ASSERT(!x.pending, "bootstrap of a value with a pending rescale");
    double m = 0;
    for (double v : x.v) m = std::max(m, std::fabs(v));
    auto& slot = site_max_[std::string(site)];
    slot = std::max(slot, m);
  }
  static void need_level(const Value& x, int levels, const char* what) {
    HNN_ASSERT(x.meta.level >= levels, what, " needs ", levels, " level(s) but the value is at level ",
               x.meta.level, ": the layer should have called ensure_levels");
  }
  void combine(Value& a, const Value& b, double sign) {
    HNN_ASSERT(a.pending == b.pending, "adding a pending product to a rescaled value");
    if (a.pending) {
      HNN_ASSERT(a.meta.level == b.meta.level, "pending products at different levels");
    } else {
      auto [ma, mb] = levelled(a.meta, b.meta);
      Meta m = ma;
      if (ma.scale_id != mb.scale_id) {
        HNN_ASSERT(ma.level >= 1, "an addition needs a level to match scales: ensure_levels first");
        m = Meta{ma.level - 1, 0};
      }
      a.meta = m;
    }
    for (std::size_t i = 0; i < a.v.size(); ++i) a.v[i] += sign * b.v[i];
  }

  Layout layout_;
  int fresh_level_ = 0;
  bool pair_bootstraps_ = true;
  std::uint64_t bootstrap_ids_ = 0;
  std::set<int> steps_;
  std::map<std::string, double> site_max_;
  RunCounters counters_;
};

}  // namespace hnn::nn::he
