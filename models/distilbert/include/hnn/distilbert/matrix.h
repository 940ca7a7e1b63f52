// A row-major dense matrix and the few kernels the plaintext DistilBERT needs. Row r of an
// activation matrix is token r; a weight matrix is stored as Hugging Face's nn.Linear stores it,
// [out_features x in_features], so that y = x W^T + b reads both operands along contiguous rows.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace hnn::distilbert {

template <class T>
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols, T fill = T(0))
      : rows_(rows), cols_(cols), data_(rows * cols, fill) {}
  // Takes `data` (row-major, rows x cols); throws InvalidArgument on a size mismatch.
  Matrix(std::size_t rows, std::size_t cols, std::vector<T> data);

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  T& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
  const T& operator()(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }
  std::span<T> row(std::size_t r) { return {data_.data() + r * cols_, cols_}; }
  std::span<const T> row(std::size_t r) const { return {data_.data() + r * cols_, cols_}; }
  const std::vector<T>& data() const { return data_; }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<T> data_;
};

// x [n x in] times weight^T (weight [out x in]) plus bias [out] -> [n x out].
template <class T>
Matrix<T> linear(const Matrix<T>& x, const Matrix<T>& weight, std::span<const T> bias);

// Mean and biased variance of one row, in double, two-pass (the one-pass E[x^2] - E[x]^2 loses
// digits when the mean is large).
struct RowMoments {
  double mean = 0, var = 0;
};
template <class T>
RowMoments row_moments(std::span<const T> row);

// Each row normalised to zero mean and unit (biased) variance, then scaled and shifted, as
// torch.nn.LayerNorm over the last dimension.
template <class T>
void layer_norm_rows(Matrix<T>& x, std::span<const T> gamma, std::span<const T> beta, T eps);

template <class T>
void add_in_place(Matrix<T>& x, const Matrix<T>& y);

// GELU in its exact erf form, 0.5 x (1 + erf(x / sqrt 2)) (torch's default, HF's "gelu").
template <class T>
void gelu_in_place(Matrix<T>& x);

template <class T>
void relu_in_place(Matrix<T>& x);

}  // namespace hnn::distilbert
