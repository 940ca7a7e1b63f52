// A diagnostic backend: the CKKS backend and the plaintext backend run the same operations side by
// side, and at every bootstrap the ciphertext is decrypted (with a decryption function only a
// one-process diagnostic run has: the client's secret key) and compared with the plaintext
// values, so the first place where precision is lost shows up by name. Never part of a
// client/server deployment: the server holds no secret key.
#pragma once
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/nn/he/ckks_backend.h"
#include "hnn/nn/he/plain_backend.h"

namespace hnn::nn::he {

class LockstepBackend {
 public:
  struct Value {
    CkksBackend::Value c;
    PlainBackend::Value p;
  };
  using Decrypt = std::function<std::vector<double>(const ckks::Ciphertext&)>;
  // The largest slot error of the ciphertext entering a bootstrap site, and the largest slot
  // magnitude there (plaintext side).
  struct SiteError {
    std::string site;
    double max_error = 0, max_value = 0;
  };

  LockstepBackend(CkksBackend& ckks, PlainBackend& plain, Decrypt decrypt)
      : c_(ckks), p_(plain), decrypt_(std::move(decrypt)) {
    HNN_REQUIRE(c_.fresh_level() == p_.fresh_level(), "lockstep: the backends' fresh levels differ");
    HNN_REQUIRE(c_.pairs_bootstraps() == p_.pairs_bootstraps(), "lockstep: one backend pairs bootstraps, the other not");
  }

  const Layout& layout() const { return c_.layout(); }
  int fresh_level() const { return c_.fresh_level(); }
  int level(const Value& x) const { return c_.level(x.c); }
  const Meta& meta(const Value& x) const { return c_.meta(x.c); }
  Value clone(const Value& x) const { return Value{c_.clone(x.c), p_.clone(x.p)}; }
  void lower_to(Value& x, int level) const {
    c_.lower_to(x.c, level);
    p_.lower_to(x.p, level);
  }
  Value mul_plain(const Value& x, const std::vector<double>& v) { return {c_.mul_plain(x.c, v), p_.mul_plain(x.p, v)}; }
  Value mul_plain_lazy(const Value& x, const std::vector<double>& v) {
    return {c_.mul_plain_lazy(x.c, v), p_.mul_plain_lazy(x.p, v)};
  }
  void mul_plain_add(std::optional<Value>& acc, const Value& x, const std::vector<double>& v) {
    if (!acc) {
      acc.emplace(mul_plain_lazy(x, v));
      return;
    }
    std::optional<CkksBackend::Value> c(std::move(acc->c));
    std::optional<PlainBackend::Value> p(std::move(acc->p));
    c_.mul_plain_add(c, x.c, v);
    p_.mul_plain_add(p, x.p, v);
    acc->c = std::move(*c);
    acc->p = std::move(*p);
  }
  void rescale(Value& x) const {
    c_.rescale(x.c);
    p_.rescale(x.p);
  }
  Value mul_const(const Value& x, double k) { return {c_.mul_const(x.c, k), p_.mul_const(x.p, k)}; }
  Value mul(const Value& a, const Value& b) { return {c_.mul(a.c, b.c), p_.mul(a.p, b.p)}; }
  Value square(const Value& a) { return mul(a, a); }
  void add(Value& a, const Value& b) {
    c_.add(a.c, b.c);
    p_.add(a.p, b.p);
  }
  void sub(Value& a, const Value& b) {
    c_.sub(a.c, b.c);
    p_.sub(a.p, b.p);
  }
  void add_plain(Value& a, const std::vector<double>& v) const {
    c_.add_plain(a.c, v);
    p_.add_plain(a.p, v);
  }
  void add_const(Value& a, double k) const {
    c_.add_const(a.c, k);
    p_.add_const(a.p, k);
  }
  void negate(Value& a) const {
    c_.negate(a.c);
    p_.negate(a.p);
  }
  Value rotate(const Value& x, int step) { return {c_.rotate(x.c, step), p_.rotate(x.p, step)}; }
  std::vector<Value> rotate_many(const Value& x, const std::vector<int>& steps) {
    auto cs = c_.rotate_many(x.c, steps);
    auto ps = p_.rotate_many(x.p, steps);
    std::vector<Value> out;
    for (std::size_t i = 0; i < cs.size(); ++i) out.push_back(Value{std::move(cs[i]), std::move(ps[i])});
    return out;
  }
  static int chebyshev_depth(const ckks::bootstrap::ChebyshevSeries& p) { return CkksBackend::chebyshev_depth(p); }
  Value chebyshev(const Value& x, const ckks::bootstrap::ChebyshevSeries& s) {
    return {c_.chebyshev(x.c, s), p_.chebyshev(x.p, s)};
  }
  Value bootstrap(const Value& x, std::string_view site) {
    errors_.push_back(compare(x, site));
    return {c_.bootstrap(x.c, site), p_.bootstrap(x.p, site)};
  }
  bool pairs_bootstraps() const { return c_.pairs_bootstraps(); }
  std::pair<Value, Value> bootstrap_pair(const Value& x, const Value& y, std::string_view site) {
    SiteError e = compare(x, site), ey = compare(y, site);  // one entry per bootstrap
    e.max_error = std::max(e.max_error, ey.max_error);
    e.max_value = std::max(e.max_value, ey.max_value);
    errors_.push_back(e);
    auto [cx, cy] = c_.bootstrap_pair(x.c, y.c, site);
    auto [px, py] = p_.bootstrap_pair(x.p, y.p, site);
    return {Value{std::move(cx), std::move(px)}, Value{std::move(cy), std::move(py)}};
  }
  // The ciphertext side, decrypted.
  std::vector<double> decrypt(const Value& x) const { return decrypt_(x.c.ct); }
  SiteError compare(const Value& x, std::string_view site) const {
    const auto got = decrypt_(x.c.ct);
    SiteError e{std::string(site)};
    for (std::size_t i = 0; i < x.p.v.size(); ++i) {
      e.max_error = std::max(e.max_error, std::fabs(got[i] - x.p.v[i]));
      e.max_value = std::max(e.max_value, std::fabs(x.p.v[i]));
    }
    return e;
  }

  const RunCounters& counters() const { return c_.counters(); }
  const std::vector<SiteError>& errors() const { return errors_; }

 private:
  CkksBackend& c_;
  PlainBackend& p_;
  Decrypt decrypt_;
  std::vector<SiteError> errors_;
};

}  // namespace hnn::nn::he
