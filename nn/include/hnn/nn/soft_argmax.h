// The Differentiable Soft-Argmax of HNN (arXiv 2502.16176):
//   SoftArgmax(x) = sum_i softmax(x / T)_i * i   (0-based class indices, learned temperature T).
// For two classes it is sigmoid((x1 - x0) / T), the calibrated probability of class 1, which the
// encrypted model outputs instead of raw logits. The temperature is trained in Python
// (models/distilbert/tools); the encrypted pipeline evaluates the two-class form as a Chebyshev
// series (he_approx.json, op "soft_argmax").
#pragma once
#include <span>

namespace hnn::nn {

// sum_i softmax(logits / temperature)_i * i, computed stably (max subtracted). Throws
// InvalidArgument on an empty input or a temperature that is not finite and positive.
double soft_argmax(std::span<const double> logits, double temperature);

// The two-class closed form sigmoid((x1 - x0) / temperature) (equal to soft_argmax({x0, x1}, T)).
double soft_argmax_binary(double x0, double x1, double temperature);

}  // namespace hnn::nn
