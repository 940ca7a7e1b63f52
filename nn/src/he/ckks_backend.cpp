#include "hnn/nn/he/ckks_backend.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include "hnn/ckks/device.h"
#include "hnn/ckks/polynomial.h"

namespace hnn::nn::he {
namespace {

double prime(const ckks::Context& ctx, int level) {
  return static_cast<double>(ctx.modulus(static_cast<std::size_t>(level)).value);
}

bool close(double a, double b) { return std::fabs(a / b - 1.0) < 1e-9; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

BootstrapBounds bounds_from_maxima(const std::map<std::string, double>& maxima, double margin) {
  HNN_REQUIRE(margin >= 1, "bootstrap bound margin must be >= 1, got ", margin);
  BootstrapBounds out;
  for (const auto& [site, m] : maxima) {
    HNN_REQUIRE(std::isfinite(m), "calibration of bootstrap site '", site, "' saw a non-finite value");
    out[site] = std::ldexp(1.0, std::max(0, static_cast<int>(std::ceil(std::log2(std::max(m * margin, 1.0))))));
  }
  return out;
}

CkksBackend::CkksBackend(Layout layout, const ckks::bootstrap::Bootstrapper& bootstrapper,
                         const EvaluationKeys& keys, BootstrapBounds bounds)
    : layout_(layout),
      boot_(&bootstrapper),
      keys_(&keys),
      bounds_(std::move(bounds)),
      encoder_(bootstrapper.context()),
      ev_(bootstrapper.context()),
      fresh_level_(bootstrapper.output_level()) {
  layout_.validate();
  HNN_REQUIRE(layout_.slots == bootstrapper.slots(), "the layout has ", layout_.slots,
              " slots but the bootstrapper was built for ", bootstrapper.slots());
  const auto& ctx = *bootstrapper.context();
  HNN_REQUIRE(keys.relin.context() && keys.relin.context()->digest() == ctx.digest(),
              "evaluation keys belong to another parameter set");
  HNN_REQUIRE(keys.relin.key().b(0).device() == bootstrapper.device(), "the evaluation keys are on ",
              keys.relin.key().b(0).device().name(), " but the bootstrapper on ", bootstrapper.device().name(),
              ": move the keys with ckks::bootstrap::to_device");
  delta_.assign(static_cast<std::size_t>(fresh_level_) + 1, 0.0);
  delta_[static_cast<std::size_t>(fresh_level_)] = ctx.params().default_scale();
  for (int l = fresh_level_; l >= 1; --l) {
    const double d = delta_[static_cast<std::size_t>(l)];
    delta_[static_cast<std::size_t>(l) - 1] = d * d / prime(ctx, l);
  }
}

ckks::Plaintext CkksBackend::encode(const std::vector<double>& p, int level, double scale) const {
  return encoder_.encode(std::span<const double>(p), level, scale, device());
}

CkksBackend::Value CkksBackend::adopt(ckks::Ciphertext ct) const {
  HNN_REQUIRE(ct.context() && ct.context()->digest() == boot_->context()->digest(),
              "the ciphertext belongs to another parameter set than the evaluation keys");
  HNN_REQUIRE(ct.slots() == layout_.slots, "the ciphertext has ", ct.slots(), " slots, the layout ",
              layout_.slots);
  HNN_REQUIRE(ct.level() == fresh_level_ && close(ct.scale(), scale_at(fresh_level_)),
              "encrypt activations at level ", fresh_level_, " with the default scale (got level ",
              ct.level(), ", scale 2^", std::log2(ct.scale()), ")");
  HNN_REQUIRE(ct.size() == 2, "a fresh ciphertext has two components");
  if (ct.device() != device()) ct = ct.device().is_cpu() ? ckks::to_device(ct, device()) : ckks::to_host(ct);
  return Value{std::move(ct), Meta{fresh_level_, 0}};
}

double CkksBackend::landing_scale(double s, int level) const {
  return scale_at(level - 1) * prime(*boot_->context(), level) / s;
}

CkksBackend::Value CkksBackend::mul_plain_lazy(const Value& x, const std::vector<double>& p) {
  HNN_ASSERT(!x.pending && x.meta.level >= 1, "plaintext product at level ", x.meta.level);
  ++counters_.plain_products;
  const int l = x.meta.level;
  const ckks::Plaintext pt = encode(p, l, landing_scale(x.ct.scale(), l));
  Value r{x.ct.clone(), x.meta, true};
  ev_.multiply_plain_inplace(r.ct, pt);
  return r;
}

void CkksBackend::mul_plain_add(std::optional<Value>& acc, const Value& x, const std::vector<double>& p) {
  if (!acc) {
    acc.emplace(mul_plain_lazy(x, p));
    return;
  }
  HNN_ASSERT(!x.pending && acc->pending && acc->meta.level == x.meta.level, "plaintext product-sum at level ",
             x.meta.level, " into a sum at level ", acc->meta.level);
  ++counters_.plain_products;
  const int l = x.meta.level;
  const ckks::Plaintext pt = encode(p, l, landing_scale(x.ct.scale(), l));
  ev_.multiply_plain_add_inplace(acc->ct, x.ct, pt);
}

CkksBackend::Value CkksBackend::mul_plain(const Value& x, const std::vector<double>& p) {
  Value r = mul_plain_lazy(x, p);
  rescale(r);
  return r;
}

void CkksBackend::rescale(Value& x) const {
  HNN_ASSERT(x.pending, "rescale of a value with no pending product");
  ev_.rescale_inplace(x.ct);
  x.pending = false;
  x.meta = Meta{x.meta.level - 1, 0};
  HNN_ASSERT(close(x.ct.scale(), scale_at(x.meta.level)), "scale left the chain at level ", x.meta.level);
  x.ct.set_scale(scale_at(x.meta.level));
}

CkksBackend::Value CkksBackend::mul_const(const Value& x, double c) {
  HNN_ASSERT(!x.pending && x.meta.level >= 1, "constant product at level ", x.meta.level);
  const int l = x.meta.level;
  Value r{x.ct.clone(), x.meta, true};
  ev_.multiply_const_inplace(r.ct, c, landing_scale(x.ct.scale(), l));
  rescale(r);
  return r;
}

void CkksBackend::lower(Value& x, int level) const {
  if (x.meta.level == level) return;
  if (x.meta.level > level + 1) ev_.drop_to_level_inplace(x.ct, level + 1);
  HNN_ASSERT(level < x.meta.level && !x.pending, "cannot lower from ", x.meta.level, " to ", level);
  ev_.multiply_const_inplace(x.ct, 1.0, landing_scale(x.ct.scale(), level + 1));
  x.pending = true;
  x.meta.level = level + 1;
  rescale(x);
}

CkksBackend::Value CkksBackend::mul(const Value& a, const Value& b) {
  HNN_ASSERT(!a.pending && !b.pending, "product of a value with a pending rescale");
  const auto [ma, mb] = levelled(a.meta, b.meta);
  HNN_ASSERT(ma.level >= 1, "product at level 0: ensure_levels first");
  ++counters_.products;
  // operands are copied only when one must be lowered first
  std::optional<Value> la, lb;
  const int level = ma.level;  // a named copy: clang < 16 cannot capture a structured binding
  auto at_level = [&](const Value& v, std::optional<Value>& lowered_copy) -> const ckks::Ciphertext& {
    if (v.meta.level == level) return v.ct;
    lowered_copy.emplace(clone(v));
    lower(*lowered_copy, level);
    return lowered_copy->ct;
  };
  const ckks::Ciphertext& x = at_level(a, la);
  Value r;
  r.ct = ev_.multiply_no_relin(x, &a == &b ? x : at_level(b, lb));
  ev_.relinearize_rescale_inplace(r.ct, keys_->relin);
  r.meta = Meta{ma.level - 1, product_scale_id(ma.scale_id, mb.scale_id)};
  if (r.meta.canonical()) {
    HNN_ASSERT(close(r.ct.scale(), scale_at(r.meta.level)), "product left the scale chain");
    r.ct.set_scale(scale_at(r.meta.level));
  }
  return r;
}

void CkksBackend::combine(Value& a, const Value& b, bool subtract) {
  HNN_ASSERT(a.pending == b.pending, "adding a pending product to a rescaled value");
  if (a.pending) {
    HNN_ASSERT(a.meta.level == b.meta.level, "pending products at different levels");
    if (subtract) ev_.sub_inplace(a.ct, b.ct); else ev_.add_inplace(a.ct, b.ct);
    return;
  }
  auto [ma, mb] = levelled(a.meta, b.meta);
  int target = ma.level;
  const bool fix = ma.scale_id != mb.scale_id;
  if (fix) {
    HNN_ASSERT(target >= 1, "an addition needs a level to match scales: ensure_levels first");
    --target;
  }
  lower(a, target);
  HNN_ASSERT(fix || b.meta.level != target || std::fabs(a.ct.scale() / b.ct.scale() - 1) < 1e-9,
             "equal scale ids with different scales");
  if (b.meta.level == target) {
    if (subtract) ev_.sub_inplace(a.ct, b.ct); else ev_.add_inplace(a.ct, b.ct);
  } else {
    Value y = clone(b);
    lower(y, target);
    if (subtract) ev_.sub_inplace(a.ct, y.ct); else ev_.add_inplace(a.ct, y.ct);
  }
  if (fix) a.meta = Meta{target, 0};
}

void CkksBackend::add_plain(Value& a, const std::vector<double>& p) const {
  const ckks::Plaintext pt = encode(p, a.meta.level, a.ct.scale());
  ev_.add_plain_inplace(a.ct, pt);
}

void CkksBackend::add_const(Value& a, double c) const { ev_.add_const_inplace(a.ct, c); }

void CkksBackend::negate(Value& a) const { ev_.negate_inplace(a.ct); }

CkksBackend::Value CkksBackend::rotate(const Value& x, int step) {
  const int s = layout_.normal_step(step);
  if (s == 0) return clone(x);
  ++counters_.rotations;
  return Value{ev_.rotate(x.ct, s, keys_->galois), x.meta, x.pending};
}

std::vector<CkksBackend::Value> CkksBackend::rotate_many(const Value& x, const std::vector<int>& steps) {
  std::vector<int> normal;
  for (int s : steps) {
    normal.push_back(layout_.normal_step(s));
    if (normal.back() != 0) ++counters_.rotations;
  }
  auto cts = ev_.rotate_hoisted(x.ct, normal, keys_->galois);
  std::vector<Value> out;
  out.reserve(cts.size());
  for (auto& c : cts) out.push_back(Value{std::move(c), x.meta, x.pending});
  return out;
}

CkksBackend::Value CkksBackend::chebyshev(const Value& x, const ckks::bootstrap::ChebyshevSeries& p) {
  HNN_ASSERT(!x.pending, "series of a value with a pending rescale");
  const int depth = chebyshev_depth(p);
  HNN_ASSERT(x.meta.level >= depth, "a Chebyshev series needs ", depth, " levels, the value is at ",
             x.meta.level, ": ensure_levels first");
  ++counters_.series;
  const int out_level = x.meta.level - depth;
  Value r{ckks::evaluate_chebyshev(ev_, x.ct, p, keys_->relin, scale_at(out_level)),
          Meta{out_level, 0}};
  HNN_ASSERT(r.ct.level() == out_level, "series landed at level ", r.ct.level(), ", expected ", out_level);
  return r;
}

double CkksBackend::site_bound(std::string_view site) const {
  const auto it = bounds_.find(site);
  HNN_REQUIRE(it != bounds_.end(), "bootstrap site '", site,
              "' has no calibrated bound: calibrate with the plaintext backend on this layout first");
  return it->second;
}

// Slot values x / r (within the bootstrapper's |x| <= 1) by relabelling the scale, then back to x by
// an integer multiplication of r / f, f the bootstrapper's output scale factor (2 with real slots):
// the output then sits near the default scale, where products keep their scales near the primes
// (at 2x the default, k squarings would reach 2^(2^k) times it). Both steps exact.
// divided() is the first step, restored() the second.
ckks::Ciphertext CkksBackend::divided(const Value& x, double relabel) const {
  HNN_ASSERT(!x.pending, "bootstrap of a value with a pending rescale");
  ckks::Ciphertext in = x.ct.clone();
  in.set_scale(in.scale() * relabel);
  return in;
}

// A bootstrap output (scale factor f) back to the slot values x: times the integer r / f.
CkksBackend::Value CkksBackend::restored(ckks::Ciphertext out, double relabel, Meta meta) const {
  const double factor = boot_->output_scale_factor();
  ev_.multiply_integer_inplace(out, static_cast<int64_t>(relabel / factor));
  out.set_scale(out.scale() / factor);
  HNN_ASSERT(out.level() == fresh_level_, "bootstrap output at level ", out.level());
  return Value{std::move(out), meta};
}

CkksBackend::Value CkksBackend::bootstrap(const Value& x, std::string_view site) {
  const double relabel = std::max(site_bound(site), boot_->output_scale_factor());
  const auto t0 = std::chrono::steady_clock::now();
  ++counters_.bootstraps;
  Value out = restored(boot_->bootstrap(divided(x, relabel), *keys_), relabel, Meta{fresh_level_, ++bootstrap_ids_});
  bootstrap_s_ += seconds_since(t0);
  return out;
}

// As bootstrap, for x + i y; the relabel also covers |x + i y| <= sqrt 2 max(|x|, |y|).
std::pair<CkksBackend::Value, CkksBackend::Value> CkksBackend::bootstrap_pair(const Value& x, const Value& y,
                                                                              std::string_view site) {
  HNN_ASSERT(x.meta == y.meta, "bootstrap_pair of values with different levels or scales");
  const double factor = boot_->output_scale_factor();
  const double relabel = factor * std::ceil(site_bound(site) * std::numbers::sqrt2 / factor);  // r / f an integer
  const auto t0 = std::chrono::steady_clock::now();
  ++counters_.bootstraps;
  auto [u, v] = boot_->bootstrap_pair(divided(x, relabel), divided(y, relabel), *keys_);
  const Meta m{fresh_level_, ++bootstrap_ids_};  // both outputs share one scale
  std::pair<Value, Value> out{restored(std::move(u), relabel, m), restored(std::move(v), relabel, m)};
  bootstrap_s_ += seconds_since(t0);
  return out;
}

}  // namespace hnn::nn::he
