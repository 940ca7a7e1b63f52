// The CKKS backend of the encrypted layers: the same operations as PlainBackend on ciphertexts,
// holding only evaluation keys (it has no way to decrypt). Plaintexts (masks, weight diagonals,
// biases) are encoded when an operation needs them, at the operand's level and at the scale that
// keeps the result on the canonical scale chain (see layout.h).
//
// Bootstrapping divides its input by a per-site bound first (a relabelling of the scale, exact) so
// that slot values meet the bootstrapper's |x| <= 1, and multiplies the output back by it (an
// integer multiplication, exact); the bounds come from a calibration run of the plaintext backend.
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/encoder.h"
#include "hnn/ckks/evaluator.h"
#include "hnn/nn/he/layout.h"
#include "hnn/nn/he/plain_backend.h"

namespace hnn::nn::he {

// What the server needs: relinearization, the Galois keys of bootstrapping and of the layers, and
// the encapsulation keys. No secret key.
using EvaluationKeys = ckks::bootstrap::BootstrapKeys;

// Site -> bound (a power of two) that the site's slot values stay below.
using BootstrapBounds = std::map<std::string, double, std::less<>>;

// Bounds from a calibration run: the largest magnitude per site times `margin`, rounded up to a
// power of two (at least 1).
BootstrapBounds bounds_from_maxima(const std::map<std::string, double>& maxima, double margin);

class CkksBackend {
 public:
  struct Value {
    ckks::Ciphertext ct;
    Meta meta;
    bool pending = false;
  };

  CkksBackend(Layout layout, const ckks::bootstrap::Bootstrapper& bootstrapper,
              const EvaluationKeys& keys, BootstrapBounds bounds);

  const Layout& layout() const { return layout_; }
  int fresh_level() const { return fresh_level_; }
  // Where the evaluation runs: the bootstrapper's device (Bootstrapper::move_to). The keys must
  // be there too; fresh ciphertexts are moved there by adopt(), and the plaintexts the layers
  // encode are made there (Encoder::encode with a device: only the slot values travel).
  rns::Device device() const { return boot_->device(); }
  // The canonical scale of level l (l <= fresh_level()).
  double scale_at(int level) const { return delta_.at(static_cast<std::size_t>(level)); }
  int level(const Value& x) const { return x.meta.level; }
  const Meta& meta(const Value& x) const { return x.meta; }
  Value clone(const Value& x) const { return Value{x.ct.clone(), x.meta, x.pending}; }
  // Wraps a fresh ciphertext (level fresh_level(), scale scale_at(fresh_level())), moved to device().
  Value adopt(ckks::Ciphertext ct) const;
  void lower_to(Value& x, int level) const { lower(x, level); }

  Value mul_plain(const Value& x, const std::vector<double>& p);
  Value mul_plain_lazy(const Value& x, const std::vector<double>& p);
  // acc += x * p, pending, in one pass (acc empty: acc = x * p); x at acc's level.
  void mul_plain_add(std::optional<Value>& acc, const Value& x, const std::vector<double>& p);
  void rescale(Value& x) const;
  Value mul_const(const Value& x, double c);
  Value mul(const Value& a, const Value& b);
  Value square(const Value& a) { return mul(a, a); }
  void add(Value& a, const Value& b) { combine(a, b, false); }
  void sub(Value& a, const Value& b) { combine(a, b, true); }
  void add_plain(Value& a, const std::vector<double>& p) const;
  void add_const(Value& a, double c) const;
  void negate(Value& a) const;
  Value rotate(const Value& x, int step);
  std::vector<Value> rotate_many(const Value& x, const std::vector<int>& steps);
  static int chebyshev_depth(const ckks::bootstrap::ChebyshevSeries& p) { return ckks::chebyshev_depth(p); }
  Value chebyshev(const Value& x, const ckks::bootstrap::ChebyshevSeries& p);
  Value bootstrap(const Value& x, std::string_view site);
  // Two values of equal meta in one bootstrap (a real-slot bootstrapper's bootstrap_pair).
  bool pairs_bootstraps() const { return boot_->config().real_slots; }
  std::pair<Value, Value> bootstrap_pair(const Value& x, const Value& y, std::string_view site);

  const RunCounters& counters() const { return counters_; }
  double bootstrap_seconds() const { return bootstrap_s_; }

 private:
  // x lowered to `level`, back on the chain (a constant multiplication by 1 when it moves).
  void lower(Value& x, int level) const;
  void combine(Value& a, const Value& b, bool subtract);
  // The plaintext scale that brings a value of scale s at level l to Delta_{l-1} after rescale.
  double landing_scale(double s, int level) const;
  // p encoded at `level` and `scale`, on device().
  ckks::Plaintext encode(const std::vector<double>& p, int level, double scale) const;

  Layout layout_;
  double site_bound(std::string_view site) const;
  ckks::Ciphertext divided(const Value& x, double relabel) const;
  Value restored(ckks::Ciphertext out, double relabel, Meta meta) const;
  const ckks::bootstrap::Bootstrapper* boot_;
  const EvaluationKeys* keys_;
  BootstrapBounds bounds_;
  ckks::Encoder encoder_;
  ckks::Evaluator ev_;
  int fresh_level_ = 0;
  std::uint64_t bootstrap_ids_ = 0;
  std::vector<double> delta_;
  RunCounters counters_;
  double bootstrap_s_ = 0;
};

}  // namespace hnn::nn::he
