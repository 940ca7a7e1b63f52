// CKKS encoding: HEAAN's canonical embedding with the special FFT.
//
// A vector of n slots (n a power of two, n <= N/2) becomes the polynomial
//   m(X) = round(scale * sum ...) with m(zeta^(5^j)) ~ scale * z_j,  zeta = exp(i pi / N),
// packed sparsely when n < N/2 (non-zero coefficients every N/(2n)). Slot j moves to slot j - k
// under the automorphism X -> X^(5^k) (a left rotation by k).
//
// Decoding composes each needed coefficient exactly through the CRT (GMP) before dividing by the
// scale, so precision does not depend on the level.
#pragma once
#include <complex>
#include <span>
#include <vector>

#include "hnn/ckks/ciphertext.h"

namespace hnn::ckks {

class Encoder {
 public:
  explicit Encoder(ContextPtr ctx);

  // level < 0 means the top level L; scale <= 0 means the parameters' default scale.
  Plaintext encode(std::span<const std::complex<double>> values, int level = -1,
                   double scale = 0) const;
  Plaintext encode(std::span<const double> values, int level = -1, double scale = 0) const;
  // The same plaintext made on `device` (a CUDA device or the emulated one): only the slot values
  // travel there, and the special FFT, rounding, residues and NTT run on it. Values so large that
  // |value| * scale reaches 4e18 are encoded on the host and copied over. Device::cpu() is encode().
  Plaintext encode(std::span<const std::complex<double>> values, int level, double scale, rns::Device device) const;
  Plaintext encode(std::span<const double> values, int level, double scale, rns::Device device) const;
  // Every slot equal to `value` (a constant polynomial), `slots` slots.
  Plaintext encode_constant(std::complex<double> value, std::size_t slots, int level = -1,
                            double scale = 0) const;

  // The polynomial encode(values, level, scale) holds, over q_0..q_level followed by the special
  // primes P (NTT domain): for plaintext products in the extended basis of key switching, before
  // ModDown (double-hoisted linear transforms).
  rns::RnsPoly encode_extended(std::span<const std::complex<double>> values, int level, double scale) const;

  std::vector<std::complex<double>> decode(const Plaintext& pt) const;
  std::vector<double> decode_real(const Plaintext& pt) const;

  // The special FFT and its inverse on n = values.size() slots (exposed for tests and bootstrapping).
  void special_fft(std::span<std::complex<double>> values) const;
  void special_inverse_fft(std::span<std::complex<double>> values) const;

  const ContextPtr& context() const { return ctx_; }

 private:
  // The rounded integer polynomial of `values` at `scale`, modulo the QP moduli `qp`, NTT domain.
  rns::RnsPoly encode_limbs(std::span<const std::complex<double>> values, double scale,
                            const std::vector<std::size_t>& qp) const;
  ContextPtr ctx_;
};

}  // namespace hnn::ckks
