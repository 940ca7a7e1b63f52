#include "hnn/ckks/encoder.h"

#include <gmpxx.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>

#include "encoder_kernels.h"
#include "gpu/gpu_ops.h"
#include "hnn/ckks/device.h"
#include "hnn/rns/error.h"
#include "hnn/rns/parallel.h"
#include "hnn/rns/simd.h"
#include "poly_ops.h"

namespace hnn::ckks {

namespace {

void bit_reverse_permute(std::span<std::complex<double>> v) {
  const std::size_t n = v.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(v[i], v[j]);
  }
}

void check_slots(std::size_t slots, std::size_t max_slots) {
  HNN_REQUIRE(slots >= 1 && (slots & (slots - 1)) == 0, "slot count ", slots,
              " is not a power of two: pad the vector with zeros to the next power of two");
  HNN_REQUIRE(slots <= max_slots, "slot count ", slots, " exceeds N/2 = ", max_slots,
              ": split the data over several ciphertexts or use a larger log_n");
}

}  // namespace

Encoder::Encoder(ContextPtr ctx) : ctx_(std::move(ctx)) {
  HNN_REQUIRE(ctx_ != nullptr, "Encoder needs a context");
}

void Encoder::special_fft(std::span<std::complex<double>> vals) const {
  const std::size_t size = vals.size();
  const std::complex<double>* tw = ctx_->fft_twiddles().data();
  bit_reverse_permute(vals);
  for (std::size_t len = 2; len <= size; len <<= 1) {
    const std::size_t lenh = len >> 1;
    for (std::size_t i = 0; i < size; i += len) {
      for (std::size_t j = 0; j < lenh; ++j) {
        const std::complex<double> u = vals[i + j];
        const std::complex<double> v = vals[i + j + lenh] * tw[lenh + j];
        vals[i + j] = u + v;
        vals[i + j + lenh] = u - v;
      }
    }
  }
}

void detail::inverse_fft_butterflies(std::complex<double>* vals, const std::complex<double>* tw, std::size_t len,
                                     std::size_t b0, std::size_t b1, rns::Simd set) {
  const std::size_t lenh = len >> 1, shift = static_cast<std::size_t>(std::countr_zero(lenh));
  const auto scalar = [&](std::size_t from, std::size_t to) {
    for (std::size_t b = from; b < to; ++b) {
      const std::size_t j = b & (lenh - 1), i = (b >> shift) * len;
      const std::complex<double> u = vals[i + j] + vals[i + j + lenh];
      const std::complex<double> v = (vals[i + j] - vals[i + j + lenh]) * tw[j];
      vals[i + j] = u;
      vals[i + j + lenh] = v;
    }
  };
#if defined(HNN_HAVE_AVX512)
  if (set == rns::Simd::Avx512Ifma && len >= 8) {  // whole groups of four in the vector kernel
    HNN_REQUIRE(rns::simd_supported(set), "inverse_fft_butterflies: AVX-512 is not supported on this CPU");
    const std::size_t a0 = std::min(b1, (b0 + 3) & ~std::size_t{3}), a1 = std::max(a0, b1 & ~std::size_t{3});
    scalar(b0, a0);
    detail::inverse_fft_butterflies_avx512(vals, tw, len, a0, a1);
    scalar(a1, b1);
    return;
  }
#endif
  scalar(b0, b1);
}

void Encoder::special_inverse_fft(std::span<std::complex<double>> vals) const {
  const std::size_t size = vals.size();
  const std::complex<double>* tw = ctx_->inverse_fft_twiddles().data();
  // Stage len reads its twiddles from entry len / 2 on.
  const auto butterflies = [&](std::size_t len, std::size_t b0, std::size_t b1) {
    detail::inverse_fft_butterflies(vals.data(), tw + len / 2, len, b0, b1);
  };
  const double inv = 1.0 / static_cast<double>(size);
  const int bits = std::countr_zero(size);
#pragma omp parallel if (size >= 4096)
  {
    // Stages longer than size / blocks are cut into one range of butterflies per thread, the
    // threads meeting at each one's end; from there on each block's stages run on one thread.
    const std::size_t threads = static_cast<std::size_t>(omp_get_num_threads()),
                      me = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t blocks = std::bit_ceil(threads), half = size / 2;
    std::size_t len = size;
    for (; len >= 2 && len > size / blocks; len >>= 1) {
      butterflies(len, me * half / threads, (me + 1) * half / threads);
#pragma omp barrier
    }
    const std::size_t per_block = size / 2 / blocks;  // butterflies of a block per stage
#pragma omp for schedule(static)
    for (std::ptrdiff_t k = 0; k < static_cast<std::ptrdiff_t>(blocks); ++k)
      for (std::size_t l = len; l >= 2; l >>= 1)
        butterflies(l, static_cast<std::size_t>(k) * per_block, static_cast<std::size_t>(k + 1) * per_block);
    // The bit-reversal permutation and the 1/size, each pair (i, rev i) taken by its smaller index.
#pragma omp for schedule(static)
    for (std::ptrdiff_t ii = 0; ii < static_cast<std::ptrdiff_t>(size); ++ii) {
      const std::size_t i = static_cast<std::size_t>(ii), j = ntt::bit_reverse(static_cast<uint32_t>(i), bits);
      if (i > j) continue;
      const std::complex<double> a = vals[i];
      vals[i] = vals[j] * inv;
      if (i != j) vals[j] = a * inv;
    }
  }
}

rns::RnsPoly Encoder::encode_limbs(std::span<const std::complex<double>> values, double scale,
                                  const std::vector<std::size_t>& qp) const {
  const Context& ctx = *ctx_;
  check_slots(values.size(), ctx.params().max_slots());
  const std::size_t slots = values.size();
  const std::size_t n = ctx.n();
  const std::size_t gap = (n / 2) / slots;
  const std::size_t limbs = qp.size();

  std::vector<std::complex<double>> w(values.begin(), values.end());
  for (auto& v : w)
    HNN_REQUIRE(std::isfinite(v.real()) && std::isfinite(v.imag()), "cannot encode inf or NaN");
  special_inverse_fft(w);

  // Checked here so that the threads below cannot throw.
  for (const auto& v : w)
    HNN_REQUIRE(std::isfinite(v.real() * scale) && std::isfinite(v.imag() * scale),
                "cannot encode a non-finite value (a value times the scale 2^", std::log2(scale), " overflows)");
  // Each limb's row of coefficients is the real parts then the imaginary parts (slots words each):
  // rounded once to integers, then reduced limb by limb; values past the int64 range take the
  // exact path word by word.
  const auto rounded = std::make_unique_for_overwrite<int64_t[]>(2 * slots);
  bool small = true;
  for (std::size_t i = 0; i < slots && small; ++i) {
    const auto re = detail::rounded_int64(w[i].real() * scale), im = detail::rounded_int64(w[i].imag() * scale);
    small = re && im;
    if (small) rounded[i] = *re, rounded[slots + i] = *im;
  }
  const auto round_all = [&](uint64_t* out, std::size_t stride) {
    if (small) {
      const std::size_t row = 2 * slots;
      const auto reduce = [&](std::size_t l, std::size_t c0, std::size_t c1) {
        rns::signed_residue_words(rounded.get() + c0, out + l * stride + c0, c1 - c0, ctx.modulus(qp[l]));
      };
      if (row * limbs >= 4096) rns::for_each_limb_part(limbs, row, reduce);
      else
        for (std::size_t l = 0; l < limbs; ++l) reduce(l, 0, row);
      return;
    }
#pragma omp parallel for schedule(static) if (slots * limbs >= 4096)
    for (std::ptrdiff_t ii = 0; ii < static_cast<std::ptrdiff_t>(slots); ++ii) {
      const std::size_t i = static_cast<std::size_t>(ii);
      detail::rounded_residues(ctx, w[i].real() * scale, qp, out + i, stride);
      detail::rounded_residues(ctx, w[i].imag() * scale, qp, out + slots + i, stride);
    }
  };
  if (gap > 1) {  // m(X) = r(X^gap): transform r (2 slots coefficients) and repeat each value gap times
    const std::size_t m = 2 * slots;
    rns::RnsPoly r(m, limbs, rns::Domain::Coefficient, rns::RnsPoly::Uninitialized{});  // every word rounded below
    round_all(r.data(), m);
    rns::RnsPoly poly(n, limbs, rns::Domain::Ntt, rns::RnsPoly::Uninitialized{});
    ntt::sparse_forward(ctx.subring_plan(gap, qp), gap, r.data(), poly.data());
    return poly;
  }
  rns::RnsPoly poly(n, limbs, rns::Domain::Coefficient, rns::RnsPoly::Uninitialized{});  // every word rounded below
  round_all(poly.data(), n);  // gap 1: slots = N / 2
  ntt::transform(ctx.plan(qp, ntt::Direction::Forward), poly.data());
  poly.set_domain(rns::Domain::Ntt);
  return poly;
}

Plaintext Encoder::encode(std::span<const std::complex<double>> values, int level, double scale) const {
  const Context& ctx = *ctx_;
  if (level < 0) level = ctx.max_level();
  HNN_REQUIRE(level <= ctx.max_level(), "level ", level, " exceeds the maximum level ", ctx.max_level());
  if (scale <= 0) scale = ctx.params().default_scale();
  std::vector<std::size_t> qp(static_cast<std::size_t>(level) + 1);
  for (std::size_t i = 0; i < qp.size(); ++i) qp[i] = i;
  return Plaintext(ctx_, encode_limbs(values, scale, qp), scale, values.size());
}

rns::RnsPoly Encoder::encode_extended(std::span<const std::complex<double>> values, int level, double scale) const {
  const Context& ctx = *ctx_;
  HNN_REQUIRE(level >= 0 && level <= ctx.max_level(), "level ", level, " out of range 0..", ctx.max_level());
  HNN_REQUIRE(scale > 0, "encode_extended needs an explicit scale");
  return encode_limbs(values, scale, ctx.extended_indices(level));
}

Plaintext Encoder::encode(std::span<const std::complex<double>> values, int level, double scale,
                          rns::Device device) const {
  if (device.is_cpu()) return encode(values, level, scale);
  const Context& ctx = *ctx_;
  if (level < 0) level = ctx.max_level();
  HNN_REQUIRE(level <= ctx.max_level(), "level ", level, " exceeds the maximum level ", ctx.max_level());
  if (scale <= 0) scale = ctx.params().default_scale();
  check_slots(values.size(), ctx.params().max_slots());
  // |coefficient| <= max |value| (the inverse FFT averages), so below this bound every rounded
  // coefficient fits the int64 path of rounded_residues; larger ones take the host's exact path.
  double largest = 0;
  for (const auto& v : values) {
    HNN_REQUIRE(std::isfinite(v.real()) && std::isfinite(v.imag()), "cannot encode inf or NaN");
    largest = std::max(largest, std::abs(v));
  }
  if (!(largest * scale < 4e18)) return to_device(encode(values, level, scale), device);
  return Plaintext(ctx_, detail::gpu::encode(ctx, values, scale, static_cast<std::size_t>(level) + 1, device), scale,
                   values.size());
}

Plaintext Encoder::encode(std::span<const double> values, int level, double scale, rns::Device device) const {
  std::vector<std::complex<double>> c(values.begin(), values.end());
  return encode(std::span<const std::complex<double>>(c), level, scale, device);
}

Plaintext Encoder::encode(std::span<const double> values, int level, double scale) const {
  std::vector<std::complex<double>> c(values.begin(), values.end());
  return encode(std::span<const std::complex<double>>(c), level, scale);
}

Plaintext Encoder::encode_constant(std::complex<double> value, std::size_t slots, int level,
                                   double scale) const {
  const Context& ctx = *ctx_;
  check_slots(slots, ctx.params().max_slots());
  if (level < 0) level = ctx.max_level();
  HNN_REQUIRE(level <= ctx.max_level(), "level ", level, " exceeds the maximum level ", ctx.max_level());
  if (scale <= 0) scale = ctx.params().default_scale();
  // z_j = a + b i for all j  <=>  m(X) = a + b X^(N/2).
  return Plaintext(ctx_, detail::constant_poly(ctx, value.real() * scale, value.imag() * scale, level + 1),
                   scale, slots);
}

std::vector<std::complex<double>> Encoder::decode(const Plaintext& pt) const {
  const Context& ctx = *ctx_;
  HNN_REQUIRE(pt.context().get() == ctx_.get(), "plaintext belongs to another context");
  const std::size_t n = ctx.n();
  const std::size_t slots = pt.slots();
  check_slots(slots, ctx.params().max_slots());
  const std::size_t gap = (n / 2) / slots;
  rns::RnsPoly poly = pt.poly().clone();
  if (poly.domain() == rns::Domain::Ntt) detail::to_coeff(ctx, poly);
  const rns::RnsBase& base = ctx.q_base(pt.level());
  const double scale = pt.scale();

  std::vector<std::complex<double>> out(slots);
  auto value_at = [&](std::size_t c, mpz_class& x) -> double {
    if (poly.limbs() == 1) return static_cast<double>(rns::to_centered(poly.limb(0)[c], ctx.modulus(0).value)) / scale;
    x = base.compose_centered(poly.data() + c, n);
    // x / scale without overflow: scale by powers of two through mpz_get_d_2exp.
    long exp = 0;
    const double mant = mpz_get_d_2exp(&exp, x.get_mpz_t());
    return std::ldexp(mant, static_cast<int>(exp)) / scale;
  };
#pragma omp parallel
  {
    mpz_class x;
#pragma omp for
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(slots); ++i) {
      const std::size_t c = static_cast<std::size_t>(i) * gap;
      out[i] = {value_at(c, x), value_at(n / 2 + c, x)};
    }
  }
  special_fft(out);
  return out;
}

std::vector<double> Encoder::decode_real(const Plaintext& pt) const {
  auto c = decode(pt);
  std::vector<double> r(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) r[i] = c[i].real();
  return r;
}

}  // namespace hnn::ckks
