#include "hnn/ckks/bootstrap/dft.h"

#include <bit>
#include <boost/math/constants/constants.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/float128.hpp>
#include <cmath>
#include <map>

#include "hnn/rns/error.h"

namespace hnn::ckks::bootstrap {
namespace {

using Wide = boost::multiprecision::float128;
using Real256 = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<256, boost::multiprecision::digit_base_2>>;

struct Complex {
  Wide re = 0, im = 0;
};
Complex operator*(const Complex& a, const Complex& b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
Complex operator+(const Complex& a, const Complex& b) { return {a.re + b.re, a.im + b.im}; }
Complex conj(const Complex& a) { return {a.re, -a.im}; }
Complex scaled(const Complex& a, const Wide& s) { return {a.re * s, a.im * s}; }

using Matrix = std::map<int, std::vector<Complex>>;  // offset in [0, slots) -> diagonal

// w_j = exp(2 pi i (5^j mod 4 len) / (4 len)): the encoder's ksi_pows[(rot[j] % lenq) * (2N / lenq)].
std::vector<Complex> twiddles(const Context& ctx, std::size_t len) {
  const std::size_t lenq = 4 * len;
  const Real256 two_pi = 2 * boost::math::constants::pi<Real256>();
  std::vector<Complex> w(len / 2);
  for (std::size_t j = 0; j < len / 2; ++j) {
    const Real256 angle = two_pi * Real256(ctx.rot_group()[j] % lenq) / Real256(lenq);
    w[j] = {static_cast<Wide>(cos(angle)), static_cast<Wide>(sin(angle))};
  }
  return w;
}

// One radix-2 stage on blocks of `len`: forward (special_fft) or its inverse with the 1/2.
Matrix stage(const Context& ctx, std::size_t slots, std::size_t len, bool inverse) {
  const std::size_t h = len / 2;
  const auto w = twiddles(ctx, len);
  const int up = static_cast<int>(h % slots), down = static_cast<int>((slots - h) % slots);
  Matrix m;
  m[0].assign(slots, {});
  m[up].resize(slots);
  m[down].resize(slots);
  const Wide half = Wide(1) / 2;
  for (std::size_t k = 0; k < slots; ++k) {
    const std::size_t p = k % len;
    if (p < h) {  // y_lo = x_lo + w x_hi  |  (x_lo + x_hi) / 2
      m[0][k] = m[0][k] + (inverse ? Complex{half, 0} : Complex{1, 0});
      m[up][k] = m[up][k] + (inverse ? Complex{half, 0} : w[p]);
    } else {      // y_hi = x_lo - w x_hi  |  (x_lo - x_hi) conj(w) / 2
      const Complex wp = w[p - h];
      m[0][k] = m[0][k] + (inverse ? scaled(conj(wp), -half) : scaled(wp, Wide(-1)));
      m[down][k] = m[down][k] + (inverse ? scaled(conj(wp), half) : Complex{1, 0});
    }
  }
  return m;
}

// (B A)_d[k] = sum_{d1 + d2 = d} B_d1[k] A_d2[k + d1]: apply A first, then B.
Matrix compose(const Matrix& b, const Matrix& a, std::size_t slots) {
  Matrix out;
  for (const auto& [d1, bv] : b)
    for (const auto& [d2, av] : a) {
      auto& o = out[static_cast<int>((static_cast<std::size_t>(d1) + static_cast<std::size_t>(d2)) % slots)];
      if (o.empty()) o.resize(slots);
      for (std::size_t k = 0; k < slots; ++k) o[k] = o[k] + bv[k] * av[(k + static_cast<std::size_t>(d1)) % slots];
    }
  return out;
}

Diagonals round_once(const Matrix& m, const Wide& factor) {
  Diagonals out;
  for (const auto& [d, v] : m) {
    std::vector<std::complex<double>> r(v.size());
    bool zero = true;
    for (std::size_t k = 0; k < v.size(); ++k) {
      r[k] = {static_cast<double>(v[k].re * factor), static_cast<double>(v[k].im * factor)};
      zero = zero && r[k] == std::complex<double>{};
    }
    if (!zero) out.emplace(d, std::move(r));
  }
  return out;
}

// Stage lengths in application order grouped into `levels` factors, earlier groups larger.
std::vector<Diagonals> factors(const Context& ctx, std::size_t slots, int levels, double factor, bool inverse) {
  HNN_REQUIRE(slots >= 2 && std::has_single_bit(slots) && slots <= ctx.params().max_slots(),
              "DFT on ", slots, " slots: use a power of two in 2..N/2");
  const int log_slots = std::countr_zero(slots);
  HNN_REQUIRE(levels >= 1 && levels <= log_slots, "DFT level budget ", levels, " must be in 1..", log_slots);
  HNN_REQUIRE(factor > 0 && std::isfinite(factor), "DFT factor must be positive");
  std::vector<std::size_t> lens;
  for (int s = 1; s <= log_slots; ++s) lens.push_back(std::size_t{1} << s);
  if (inverse) std::reverse(lens.begin(), lens.end());
  const Wide per_factor = boost::multiprecision::pow(Wide(factor), Wide(1) / levels);
  std::vector<Diagonals> out;
  std::size_t next = 0;
  for (int g = 0; g < levels; ++g) {
    const std::size_t count = static_cast<std::size_t>(log_slots / levels + (g < log_slots % levels ? 1 : 0));
    Matrix m = stage(ctx, slots, lens[next++], inverse);
    for (std::size_t i = 1; i < count; ++i) m = compose(stage(ctx, slots, lens[next++], inverse), m, slots);
    out.push_back(round_once(m, per_factor));
  }
  return out;
}

}  // namespace

std::vector<Diagonals> coeff_to_slot_factors(const Context& ctx, std::size_t slots, int levels, double factor) {
  return factors(ctx, slots, levels, factor, true);
}

std::vector<Diagonals> slot_to_coeff_factors(const Context& ctx, std::size_t slots, int levels, double factor) {
  return factors(ctx, slots, levels, factor, false);
}

}  // namespace hnn::ckks::bootstrap
