// Shared helpers for the test suites: deterministic inputs and log2-precision statistics.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hnn/rns/error.h"

namespace hnn::test {

// Test inputs come from a fixed-seed generator so failures reproduce (never used for keys).
inline std::mt19937_64& rng() {
  static std::mt19937_64 g(0x5eed'1234'abcdULL);
  return g;
}

inline std::vector<std::complex<double>> random_complex(std::size_t n, double bound = 1.0) {
  std::uniform_real_distribution<double> d(-bound, bound);
  std::vector<std::complex<double>> v(n);
  for (auto& x : v) x = {d(rng()), d(rng())};
  return v;
}

inline std::vector<uint64_t> random_words(std::size_t n, uint64_t q) {
  std::uniform_int_distribution<uint64_t> d(0, q - 1);
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = d(rng());
  return v;
}

// log2 precision of `got` against `want`: -log2 |error| per slot, summarised by mean and minimum,
// and -log2 of the root-mean-square error. Compare two noisy runs by rms_bits (or mean_bits) over
// many slots, never by min_bits: a minimum over slots swings by a bit or more from run to run.
struct PrecisionStats {
  double mean_bits = 0, min_bits = 0, rms_bits = 0;
};
inline PrecisionStats precision(const std::vector<std::complex<double>>& got,
                                const std::vector<std::complex<double>>& want) {
  EXPECT_EQ(got.size(), want.size());
  double sum = 0, min_bits = 1e9, square_sum = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::max(std::abs(got[i] - want[i]), std::ldexp(1.0, -60));
    const double bits = -std::log2(err);
    sum += bits;
    square_sum += err * err;
    min_bits = std::min(min_bits, bits);
  }
  const double n = static_cast<double>(got.size());
  return {sum / n, min_bits, -0.5 * std::log2(square_sum / n)};
}

// The message of the InvalidArgument that f() throws (a test failure when it throws none).
template <class F>
std::string invalid_argument_message(F f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InvalidArgument thrown";
  return "";
}

}  // namespace hnn::test
