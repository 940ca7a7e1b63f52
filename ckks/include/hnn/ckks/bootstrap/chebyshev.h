// Chebyshev interpolation computed in high precision (Boost.Multiprecision, 256-bit mantissa) and
// rounded to double once, for the polynomial approximations bootstrapping's EvalMod and the
// network's activations are built from (Bossuat et al., Eurocrypt 2021, Sec. 4; Han-Ki 2020).
// Boost stays inside the .cpp: this header is plain C++.
#pragma once
#include <functional>
#include <vector>

namespace hnn::ckks::bootstrap {

// p(x) = sum_k coeffs[k] T_k(u), u = (2x - a - b) / (b - a), on [a, b].
struct ChebyshevSeries {
  double a = -1, b = 1;
  std::vector<double> coeffs;
  int degree() const { return static_cast<int>(coeffs.size()) - 1; }
  // Clenshaw recurrence in long double.
  double evaluate(double x) const;
};

// The interpolant of degree d at the d+1 Chebyshev nodes of [a, b]. Nodes and sums are computed in
// 256-bit arithmetic, but `f` itself is evaluated in long double; the named targets below evaluate
// their function in 256-bit arithmetic too.
ChebyshevSeries interpolate(const std::function<long double(long double)>& f, double a, double b, int degree);

// EvalMod's target before the double-angle steps: cos(2 pi (x - 1/4) / 2^r) on [-k, k], whose
// r-fold double angle (cos 2t = 2 cos^2 t - 1) is cos(2 pi (x - 1/4)) = sin(2 pi x).
ChebyshevSeries scaled_cosine(double k, int double_angles, int degree);

// Largest |p(x) - f(x)| over `samples` evenly spaced points of [a, b], f in long double.
double max_error(const ChebyshevSeries& p, const std::function<long double(long double)>& f, int samples = 4097);

}  // namespace hnn::ckks::bootstrap
