// The HE-friendly non-linearities of a network, read from he_approx.json (format
// "hnn-he-approx/1"), the one definition that the PyTorch training
// (models/distilbert/tools/he_approx.py) writes and consumes and that this plaintext twin and the
// encrypted pipeline evaluate. Each op is computed here exactly as the encrypted pipeline computes
// it: the same Chebyshev series (Clenshaw in double here, as the PyTorch side evaluates it;
// baby-step giant-step in the Chebyshev basis under encryption: equal up to rounding), the same
// Newton iteration counts, initial guesses and order of multiplications.
//
//   chebyshev  y = sum_k c_k T_k(u), u = (2x - a - b)/(b - a)          GELU, head ReLU, Soft-Argmax
//   inv_sqrt   y0 = init(v) (Chebyshev series of v^-1/2), then `newton` times
//              y <- 1.5 y - (0.5 v y)(y y)                               LayerNorm
//   softmax    over the n real keys of a row: x_j = s_j - mean_j s_j (softmax is shift-invariant),
//              e_j = (1 + x_j / 2^k)^(2^k) (k squarings), S = (1/n) sum_j e_j (>= 1 by Jensen:
//              t^(2^k) is convex), y0 = init(S) (series of 1/S), `newton` times
//              y <- y (2 - S y), p_j = e_j (y / n)
//
// Multiplicative depth (documented in models/distilbert/README.md): a degree-d series costs
// 1 + ceil(log2(d + 1)) levels (1 for u = alpha x + beta), a Newton step 2; the softmax adds
// 1 (centring) + 1 + k (exponential) + 1 (S) + 1 (p_j) to its reciprocal.
#pragma once
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/ckks/bootstrap/chebyshev.h"

namespace hnn::nn {

using ckks::bootstrap::ChebyshevSeries;

// sum_k c_k T_k(u), u = (2x - a - b)/(b - a), by Clenshaw's recurrence in double (the order
// he_approx.py uses).
double clenshaw(const ChebyshevSeries& series, double x);

// Levels of a degree-d Chebyshev series: 1 for d <= 1, else 1 + ceil(log2(d + 1)).
int chebyshev_depth(int degree);

// The exact functions the approximations stand for, in long double: "gelu" (erf form), "relu",
// "sigmoid" (of x / temperature), "inv_sqrt", "reciprocal". Throws InvalidArgument on another name.
long double reference_function(std::string_view function, long double x,
                               long double temperature = 1);

struct ChebyshevApprox {
  std::string name;
  std::string function;    // what it approximates, a reference_function name
  double temperature = 1;  // for "sigmoid": sigmoid(x / temperature)
  ChebyshevSeries series;
  double max_abs_error = 0;  // documented max |p - f| on [a, b]
  int depth = 0;
  double operator()(double x) const { return clenshaw(series, x); }
  bool in_range(double x) const { return x >= series.a && x <= series.b; }
};

struct InvSqrtApprox {
  std::string name;
  ChebyshevSeries init;  // of v^-1/2 on [init.a, init.b], the measured variance range
  int newton = 0;
  double max_rel_error = 0;
  int depth = 0;
  double operator()(double v) const;
  bool in_range(double v) const { return v >= init.a && v <= init.b; }
};

struct SoftmaxApprox {
  std::string name;
  int squarings = 0;     // k: exp(x) ~ (1 + x / 2^k)^(2^k), x a score minus its row mean
  ChebyshevSeries init;  // of 1/S on [init.a, init.b], S the row's mean of exp(x_j)
  int newton = 0;
  double max_rel_error = 0;  // of the reciprocal on its interval
  int depth = 0;
  double exp(double centred_score) const;
  double reciprocal(double mean_sum) const;
  bool sum_in_range(double mean_sum) const { return mean_sum >= init.a && mean_sum <= init.b; }
  // The whole op on one row of scores (all keys real): probabilities in place.
  void apply(std::span<double> scores) const;
};

class HeApproxSet {
 public:
  // Throws InvalidArgument naming the file and the op on a missing file, a format other than
  // "hnn-he-approx/1", an unknown kind, or a field that is missing or malformed.
  static HeApproxSet from_json_file(const std::filesystem::path& path);
  static HeApproxSet from_json_string(std::string_view json, std::string_view source = "he_approx");

  // Throw InvalidArgument naming the op and the file when it is absent or of another kind.
  const ChebyshevApprox& chebyshev(std::string_view name) const;
  const InvSqrtApprox& inv_sqrt(std::string_view name) const;
  const SoftmaxApprox& softmax(std::string_view name) const;
  bool contains(std::string_view name) const;

  const std::map<std::string, ChebyshevApprox, std::less<>>& chebyshev_ops() const {
    return chebyshev_;
  }
  const std::map<std::string, InvSqrtApprox, std::less<>>& inv_sqrt_ops() const {
    return inv_sqrt_;
  }
  const std::map<std::string, SoftmaxApprox, std::less<>>& softmax_ops() const { return softmax_; }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::map<std::string, ChebyshevApprox, std::less<>> chebyshev_;
  std::map<std::string, InvSqrtApprox, std::less<>> inv_sqrt_;
  std::map<std::string, SoftmaxApprox, std::less<>> softmax_;
};

}  // namespace hnn::nn
