#include "hnn/ckks/polynomial.h"

#include <bit>
#include <cmath>
#include <map>
#include <optional>

#include "hnn/rns/error.h"

namespace hnn::ckks {
namespace {

using Coeffs = std::vector<double>;

int ceil_log2(int v) { return v <= 1 ? 0 : std::bit_width(static_cast<unsigned>(v - 1)); }

// Highest index with a non-zero coefficient (0 for a constant).
int degree_of(const Coeffs& c) {
  for (int i = static_cast<int>(c.size()) - 1; i > 0; --i)
    if (c[i] != 0.0) return i;
  return 0;
}

// Baby steps T_1 .. T_{baby-1}; giant steps T_baby, T_2baby, ... (powers of two).
int baby_for(int degree) {
  const int m = ceil_log2(degree + 1);
  return 1 << std::max(1, (m + 1) / 2);
}

// p = q T_m + r with deg r < m, from T_{m+j} = 2 T_m T_j - T_{m-j} (j >= 1) and T_m = T_m T_0.
void split(const Coeffs& p, int m, Coeffs& q, Coeffs& r) {
  const int d = degree_of(p);
  q.assign(d - m + 1, 0.0);
  r.assign(p.begin(), p.begin() + m);
  q[0] = p[m];
  for (int j = 1; j <= d - m; ++j) {
    q[j] = 2 * p[m + j];
    r[m - j] -= p[m + j];
  }
}

// Levels below the input's that evaluating `p` needs (the recursion of Evaluation::eval, dry).
int depth_of(const Coeffs& p, int baby) {
  const int d = degree_of(p);
  if (d == 0) return 0;
  if (d < baby) return ceil_log2(d) + 1;
  const int m = 1 << (std::bit_width(static_cast<unsigned>(d)) - 1);
  Coeffs q, r;
  split(p, m, q, r);
  const int log_m = std::countr_zero(static_cast<unsigned>(m));
  const int dq = degree_of(q) == 0 ? log_m + 1 : std::max(depth_of(q, baby) + 1, log_m + 1);
  return std::max(dq, depth_of(r, baby));
}

class Evaluation {
 public:
  Evaluation(const Evaluator& ev, const RelinKey& rk, Ciphertext x)
      : ev_(ev), ctx_(*ev.context()), rk_(rk) {
    t_.emplace(1, std::move(x));
  }

  // T_i, computed on first use: T_2a = 2 T_a^2 - 1, T_{a+b} = 2 T_a T_b - T_{a-b} (a the largest
  // power of two below i), at level top - ceil(log2 i).
  const Ciphertext& power(int i) {
    auto it = t_.find(i);
    if (it != t_.end()) return it->second;
    int a = 1 << (std::bit_width(static_cast<unsigned>(i)) - 1);
    if (a == i) a = i / 2;
    const int b = i - a, c = a - b;
    const Ciphertext& ta = power(a);  // std::map: references survive the insertions
    const Ciphertext& tb = power(b);
    const int lvl = std::min(ta.level(), tb.level());
    std::optional<Ciphertext> la, lb;  // copies only of the operand above the product's level
    if (ta.level() > lvl) la = ev_.copy_at_level(ta, lvl);
    if (tb.level() > lvl) lb = ev_.copy_at_level(tb, lvl);
    // Relinearized with the rescale below.
    Ciphertext prod = ev_.multiply_no_relin(la ? *la : ta, lb ? *lb : tb);
    ev_.multiply_integer_inplace(prod, 2);
    if (c == 0) {
      ev_.add_const_inplace(prod, -1.0);
    } else {
      Ciphertext tc = ev_.copy_at_level(power(c), lvl);
      ev_.multiply_const_inplace(tc, 1.0, prod.scale() / tc.scale());
      tc.set_scale(prod.scale());
      ev_.sub_inplace(prod, tc);
    }
    ev_.relinearize_rescale_inplace(prod, rk_);
    return t_.emplace(i, std::move(prod)).first->second;
  }

  // Lazy relinearization: the *_raw forms return p at level + 1 with scale exactly
  // scale * q_{level+1}, before the rescale that brings it to (level, scale), possibly with 3
  // components: the products q T_m along a remainder chain are summed unrelinearized and pay one
  // relinearization, taken before the rescale so that its noise is divided by q_{level+1} too.
  // nullopt when p is a constant.

  // sum_i c_i T_i.
  std::optional<Ciphertext> leaf_raw(const Coeffs& p, int level, double scale) {
    const int d = degree_of(p);
    if (d == 0) return std::nullopt;
    const double unscaled = scale * static_cast<double>(ctx_.modulus(level + 1).value);
    std::optional<Ciphertext> acc;
    for (int i = 1; i <= d; ++i) {
      if (p[i] == 0.0) continue;
      const Ciphertext& t = power(i);
      HNN_ASSERT(t.level() >= level + 1, "Chebyshev leaf below its level");
      if (acc) {  // acc += p_i T_i, read at level + 1 in place: no copy, no temporary
        ev_.multiply_const_add_inplace(*acc, t, p[i], unscaled / t.scale());
        continue;
      }
      acc = ev_.copy_at_level(t, level + 1);
      ev_.multiply_const_inplace(*acc, p[i], unscaled / acc->scale());
      acc->set_scale(unscaled);
    }
    if (p[0] != 0.0) ev_.add_const_inplace(*acc, p[0]);
    return acc;
  }

  // q T_m + r for p = q T_m + r, m the largest power of two <= deg p.
  std::optional<Ciphertext> eval_raw(const Coeffs& p, int level, double scale, int baby) {
    const int d = degree_of(p);
    if (d < baby) return leaf_raw(p, level, scale);
    const int m = 1 << (std::bit_width(static_cast<unsigned>(d)) - 1);
    Coeffs q, r;
    split(p, m, q, r);
    Ciphertext tm = ev_.copy_at_level(power(m), level + 1);
    const double q_next = static_cast<double>(ctx_.modulus(level + 1).value);
    Ciphertext prod;
    if (degree_of(q) == 0) {
      ev_.multiply_const_inplace(tm, q[0], scale * q_next / tm.scale());
      prod = std::move(tm);
    } else {
      std::optional<Ciphertext> qc = eval(q, level + 1, scale * q_next / tm.scale(), baby);
      prod = ev_.multiply_no_relin(*qc, tm);
    }
    prod.set_scale(scale * q_next);
    if (std::optional<Ciphertext> rc = eval_raw(r, level, scale, baby)) ev_.add_inplace(prod, *rc);
    else if (r[0] != 0.0) ev_.add_const_inplace(prod, r[0]);
    return prod;
  }

  // p at `level` with scale exactly `scale`, relinearized.
  std::optional<Ciphertext> eval(const Coeffs& p, int level, double scale, int baby) {
    std::optional<Ciphertext> out = eval_raw(p, level, scale, baby);
    if (!out) return out;
    ev_.relinearize_rescale_inplace(*out, rk_);
    out->set_scale(scale);
    return out;
  }

 private:
  const Evaluator& ev_;
  const Context& ctx_;
  const RelinKey& rk_;
  std::map<int, Ciphertext> t_;
};

bool unit_interval(const bootstrap::ChebyshevSeries& p) { return p.a == -1.0 && p.b == 1.0; }

}  // namespace

int chebyshev_depth(const bootstrap::ChebyshevSeries& p) {
  HNN_REQUIRE(!p.coeffs.empty(), "empty Chebyshev series");
  return depth_of(p.coeffs, baby_for(degree_of(p.coeffs))) + (unit_interval(p) ? 0 : 1);
}

Ciphertext evaluate_chebyshev(const Evaluator& ev, const Ciphertext& x, const bootstrap::ChebyshevSeries& p,
                              const RelinKey& rk, double target_scale) {
  HNN_REQUIRE(!p.coeffs.empty(), "empty Chebyshev series");
  HNN_REQUIRE(x.size() == 2, "evaluate_chebyshev expects a relinearized ciphertext");
  for (double c : p.coeffs) HNN_REQUIRE(std::isfinite(c), "Chebyshev coefficient is not finite");
  if (target_scale <= 0) target_scale = x.scale();
  const int depth = chebyshev_depth(p);
  HNN_REQUIRE(x.level() >= depth, "a degree-", degree_of(p.coeffs), " Chebyshev series needs ", depth,
              " levels but the ciphertext is at level ", x.level(), ": bootstrap first");
  const int d = degree_of(p.coeffs);
  if (d == 0) HNN_THROW(InvalidArgument, "constant Chebyshev series: use add_const/encode_constant instead");

  Ciphertext u = x.clone();
  if (!unit_interval(p)) {
    // u = (2x - a - b) / (b - a), one rescale, landing at the scale q_{l-1} of the prime the first
    // product divides by: the powers T_i then keep scales near the primes whatever x's scale (an
    // input at 2 q would give T_2^k a scale of 2^(2^k) q).
    const int l = u.level();
    const double q = static_cast<double>(ev.context()->modulus(static_cast<std::size_t>(l)).value);
    const double target = static_cast<double>(ev.context()->modulus(static_cast<std::size_t>(l - 1)).value);
    ev.multiply_const_inplace(u, 2.0 / (p.b - p.a), target * q / u.scale());
    ev.rescale_inplace(u);
    u.set_scale(target);
    ev.add_const_inplace(u, -(p.a + p.b) / (p.b - p.a));
  }
  Evaluation evaluation(ev, rk, std::move(u));
  const int level = x.level() - depth;
  std::optional<Ciphertext> out = evaluation.eval(p.coeffs, level, target_scale, baby_for(d));
  HNN_ASSERT(out && out->level() == level, "Chebyshev evaluation ended at the wrong level");
  return std::move(*out);
}

}  // namespace hnn::ckks
