#include "hnn/distilbert/matrix.h"

#include <cmath>

#include "hnn/rns/error.h"

namespace hnn::distilbert {

template <class T>
Matrix<T>::Matrix(std::size_t rows, std::size_t cols, std::vector<T> data)
    : rows_(rows), cols_(cols), data_(std::move(data)) {
  HNN_REQUIRE(data_.size() == rows * cols, "matrix data has ", data_.size(), " values, a ", rows,
              " x ", cols, " matrix needs ", rows * cols);
}

template <class T>
Matrix<T> linear(const Matrix<T>& x, const Matrix<T>& weight, std::span<const T> bias) {
  HNN_REQUIRE(x.cols() == weight.cols(), "linear: input has ", x.cols(),
              " features, weight expects ", weight.cols());
  HNN_REQUIRE(bias.size() == weight.rows(), "linear: bias has ", bias.size(), " values for ",
              weight.rows(), " outputs");
  const std::size_t n = x.rows(), out = weight.rows(), in = x.cols();
  Matrix<T> y(n, out);
  // Parallel over (token, output feature): a short sentence still gives every core work.
#pragma omp parallel for collapse(2) schedule(static)
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t o = 0; o < out; ++o) {
      const T* xr = x.row(r).data();
      const T* wo = weight.row(o).data();
      T acc = T(0);
#pragma omp simd reduction(+ : acc)
      for (std::size_t i = 0; i < in; ++i) acc += xr[i] * wo[i];
      y(r, o) = acc + bias[o];
    }
  }
  return y;
}

template <class T>
RowMoments row_moments(std::span<const T> row) {
  // In double even for float rows: a 768-term float sum is the largest rounding error of the float
  // forward pass, and the cost is negligible next to the matrix products.
  RowMoments m;
  for (T v : row) m.mean += v;
  m.mean /= static_cast<double>(row.size());
  for (T v : row) m.var += (v - m.mean) * (v - m.mean);
  m.var /= static_cast<double>(row.size());
  return m;
}

template <class T>
void layer_norm_rows(Matrix<T>& x, std::span<const T> gamma, std::span<const T> beta, T eps) {
  HNN_REQUIRE(gamma.size() == x.cols() && beta.size() == x.cols(), "layer_norm: ", x.cols(),
              " features but gamma/beta have ", gamma.size(), "/", beta.size());
  const std::size_t d = x.cols();
  for (std::size_t r = 0; r < x.rows(); ++r) {
    auto row = x.row(r);
    const RowMoments m = row_moments<T>(row);
    const double inv = 1.0 / std::sqrt(m.var + static_cast<double>(eps));
    for (std::size_t i = 0; i < d; ++i) {
      row[i] = static_cast<T>((row[i] - m.mean) * inv) * gamma[i] + beta[i];
    }
  }
}

template <class T>
void add_in_place(Matrix<T>& x, const Matrix<T>& y) {
  HNN_REQUIRE(x.rows() == y.rows() && x.cols() == y.cols(), "add: shapes ", x.rows(), "x", x.cols(),
              " and ", y.rows(), "x", y.cols(), " differ");
  for (std::size_t r = 0; r < x.rows(); ++r) {
    auto a = x.row(r);
    auto b = y.row(r);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  }
}

template <class T>
void gelu_in_place(Matrix<T>& x) {
  const T inv_sqrt2 = T(0.70710678118654752440084436210484903928483593768847);
  for (std::size_t r = 0; r < x.rows(); ++r) {
    for (T& v : x.row(r)) v = T(0.5) * v * (T(1) + std::erf(v * inv_sqrt2));
  }
}

template <class T>
void relu_in_place(Matrix<T>& x) {
  for (std::size_t r = 0; r < x.rows(); ++r) {
    for (T& v : x.row(r)) v = v > T(0) ? v : T(0);
  }
}

#define HNN_DISTILBERT_INSTANTIATE(T)                                                      \
  template class Matrix<T>;                                                                \
  template Matrix<T> linear<T>(const Matrix<T>&, const Matrix<T>&, std::span<const T>);    \
  template RowMoments row_moments<T>(std::span<const T>);                                    \
  template void layer_norm_rows<T>(Matrix<T>&, std::span<const T>, std::span<const T>, T); \
  template void add_in_place<T>(Matrix<T>&, const Matrix<T>&);                             \
  template void gelu_in_place<T>(Matrix<T>&);                                              \
  template void relu_in_place<T>(Matrix<T>&);
HNN_DISTILBERT_INSTANTIATE(float)
HNN_DISTILBERT_INSTANTIATE(double)
#undef HNN_DISTILBERT_INSTANTIATE

}  // namespace hnn::distilbert
