#include "hnn/rns/rns_base.h"

#include "hnn/rns/simd.h"
#include "simd_kernels.h"

#include <algorithm>
#include <cmath>

#include "hnn/rns/error.h"
#include "hnn/rns/primes.h"

namespace hnn::rns {

RnsBase::RnsBase(std::vector<uint64_t> primes) {
  HNN_REQUIRE(!primes.empty(), "an RNS base needs at least one prime");
  product_ = 1;
  for (std::size_t i = 0; i < primes.size(); ++i) {
    const uint64_t q = primes[i];
    HNN_REQUIRE(q > 2 && q < (uint64_t{1} << kMaxModulusBits), "modulus ", q,
                " is outside (2, 2^61)");
    for (std::size_t j = 0; j < i; ++j)
      HNN_REQUIRE(primes[j] != q, "modulus ", q, " appears twice in an RNS base");
    moduli_.emplace_back(q);
    product_ *= mpz_class(static_cast<unsigned long>(q));
  }
  for (std::size_t i = 0; i < moduli_.size(); ++i) {
    const uint64_t q = moduli_[i].value;
    mpz_class qhat = product_ / static_cast<unsigned long>(q);
    mpz_class r = qhat % static_cast<unsigned long>(q);
    uint64_t residue = r.get_ui();
    HNN_REQUIRE(residue != 0, "RNS base moduli must be pairwise coprime");
    // Inverse via GMP (moduli need not be prime for this class).
    mpz_class inv;
    mpz_class qz(static_cast<unsigned long>(q));
    HNN_REQUIRE(mpz_invert(inv.get_mpz_t(), r.get_mpz_t(), qz.get_mpz_t()) != 0,
                "RNS base moduli must be pairwise coprime");
    qhat_.push_back(std::move(qhat));
    qhat_inv_.push_back(inv.get_ui());
    qhat_inv_shoup_.push_back(shoup_precompute(inv.get_ui(), q));
  }
}

RnsBase RnsBase::slice(std::size_t begin, std::size_t end) const {
  HNN_ASSERT(begin < end && end <= moduli_.size(), "bad RNS slice");
  std::vector<uint64_t> p;
  for (std::size_t i = begin; i < end; ++i) p.push_back(moduli_[i].value);
  return RnsBase(std::move(p));
}

std::vector<uint64_t> RnsBase::primes() const {
  std::vector<uint64_t> p;
  for (auto& m : moduli_) p.push_back(m.value);
  return p;
}

mpz_class RnsBase::compose(const uint64_t* residues, std::size_t stride) const {
  mpz_class acc = 0;
  for (std::size_t i = 0; i < moduli_.size(); ++i) {
    const uint64_t y = mul_mod(residues[i * stride], qhat_inv_[i], moduli_[i]);
    mpz_addmul_ui(acc.get_mpz_t(), qhat_[i].get_mpz_t(), static_cast<unsigned long>(y));
  }
  mpz_mod(acc.get_mpz_t(), acc.get_mpz_t(), product_.get_mpz_t());
  return acc;
}

mpz_class RnsBase::compose_centered(const uint64_t* residues, std::size_t stride) const {
  mpz_class x = compose(residues, stride);
  mpz_class twice = x * 2;
  if (twice > product_) x -= product_;
  return x;
}

void RnsBase::decompose(const mpz_class& x, uint64_t* residues, std::size_t stride) const {
  mpz_class r;
  for (std::size_t i = 0; i < moduli_.size(); ++i) {
    mpz_fdiv_r_ui(r.get_mpz_t(), x.get_mpz_t(), static_cast<unsigned long>(moduli_[i].value));
    residues[i * stride] = r.get_ui();
  }
}

BaseConverter::BaseConverter(const RnsBase& from, const RnsBase& to) : from_(from), to_(to) {
  HNN_REQUIRE(from.size() <= 64, "base conversion supports at most 64 source limbs");
  ahat_mod_b_.resize(from.size() * to.size());
  for (std::size_t j = 0; j < to.size(); ++j) {
    for (std::size_t i = 0; i < from.size(); ++i) {
      mpz_class ahat = from.product() / static_cast<unsigned long>(from[i].value);
      mpz_class r = ahat % static_cast<unsigned long>(to[j].value);
      ahat_mod_b_[j * from.size() + i] = r.get_ui();
    }
    mpz_class am = from.product() % static_cast<unsigned long>(to[j].value);
    a_mod_b_.push_back(am.get_ui());
  }
  for (std::size_t i = 0; i < from.size(); ++i) inv_a_.push_back(1.0 / static_cast<double>(from[i].value));
  for (std::size_t j = 0; j < to.size(); ++j) {
    column_powers_.resize(column_powers_.size() + 4);
    detail::column_powers(to[j].value, column_powers_.data() + column_powers_.size() - 4);
    const uint64_t neg_a = a_mod_b_[j] == 0 ? 0 : to[j].value - a_mod_b_[j];
    for (uint64_t v = 0; v < 16; ++v) neg_a_times_.push_back(mul_mod(v % to[j].value, neg_a, to[j]));
  }
}

namespace {
// out[c] = (sum_i y[i][c] row[i] + v[c] neg_a) mod b for one target prime over k source primes.
// K = k known at compile time (the common digit sizes) lets the sum unroll; K = 0 takes k as given.
template <std::size_t K, bool kCentered>
void dot_rows(std::size_t k, const uint64_t* y, std::size_t stride, const uint64_t* row, const uint64_t* v,
              uint64_t neg_a, const Modulus& b, uint64_t* dst, std::size_t len) {
  const std::size_t terms = K == 0 ? k : K;
  for (std::size_t c = 0; c < len; ++c) {
    unsigned __int128 acc = 0;
    for (std::size_t i = 0; i < terms; ++i) acc += static_cast<unsigned __int128>(y[i * stride + c]) * row[i];
    if constexpr (kCentered) acc += static_cast<unsigned __int128>(v[c]) * neg_a;
    dst[c] = reduce_128(static_cast<uint64_t>(acc >> 64), static_cast<uint64_t>(acc), b);
  }
}

template <bool kCentered>
void dot_rows_any(std::size_t k, const uint64_t* y, std::size_t stride, const uint64_t* row, const uint64_t* v,
                  uint64_t neg_a, const Modulus& b, uint64_t* dst, std::size_t len) {
  switch (k) {
    case 2: return dot_rows<2, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
    case 3: return dot_rows<3, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
    case 4: return dot_rows<4, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
    case 5: return dot_rows<5, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
    case 6: return dot_rows<6, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
    case 7: return dot_rows<7, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
    case 8: return dot_rows<8, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
    default: return dot_rows<0, kCentered>(k, y, stride, row, v, neg_a, b, dst, len);
  }
}

// Shared body of convert() and convert_centered(): y_i = x_i (A/a_i)^{-1} mod a_i per block, then
// out_j = sum_i y_i (A/a_i mod b_j) [- v (A mod b_j)], accumulated in 128 bits (<= 64 terms).
// Target j is limb j of out, or j + gap from j = gap_at on.
template <bool kCentered>
void base_convert(const RnsBase& from, const RnsBase& to, const uint64_t* ahat_mod_b,
                  const uint64_t* a_mod_b, const double* inv_a, const uint64_t* in, uint64_t* out,
                  std::size_t n, std::size_t gap_at, std::size_t gap,
                  [[maybe_unused]] const detail::BaseConvertTables* vector_tables) {
  const auto out_limb = [&](std::size_t j) { return out + (j < gap_at ? j : j + gap) * n; };
  const std::size_t k = from.size(), m = to.size();
  constexpr std::size_t kBlock = 256;
  const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>((n + kBlock - 1) / kBlock);
#if defined(HNN_HAVE_AVX512)
  const bool avx512 = vector_tables && k >= 2 && (!kCentered || k <= 15);
#endif
  // Blocks of coefficients are independent: OpenMP splits them (scratch per thread).
#pragma omp parallel if (blocks > 1)
  {
  std::vector<uint64_t> y((k + 1) * kBlock), v(kCentered ? kBlock : 0);
#pragma omp for schedule(static)
  for (std::ptrdiff_t blk = 0; blk < blocks; ++blk) {
    const std::size_t start = static_cast<std::size_t>(blk) * kBlock;
    const std::size_t len = std::min(kBlock, n - start);
#if defined(HNN_HAVE_AVX512)
    if (avx512 && len % 8 == 0) {
      detail::base_convert_block_avx512(*vector_tables, kCentered, in + start, n, out + start, n, gap_at, gap, len,
                                        y.data());
      continue;
    }
#endif
    for (std::size_t i = 0; i < k; ++i) {
      const uint64_t w = from.qhat_inv(i), ws = from.qhat_inv_shoup(i), q = from[i].value;
      const uint64_t* src = in + i * n + start;
      uint64_t* dst = y.data() + i * kBlock;
      for (std::size_t c = 0; c < len; ++c) dst[c] = mul_shoup(src[c], w, ws, q);
    }
    if constexpr (kCentered) {
      for (std::size_t c = 0; c < len; ++c) {
        double frac = 0;
        for (std::size_t i = 0; i < k; ++i) frac += static_cast<double>(y[i * kBlock + c]) * inv_a[i];
        v[c] = static_cast<uint64_t>(std::llround(frac));
      }
    }
    if (k == 1) {
      // A single source prime a: (A/a)^{-1} = 1, so y = x and out_j = x mod b_j; centered, values
      // above a/2 stand for x - a.
      const uint64_t a = from[0].value, half = a >> 1;
      for (std::size_t j = 0; j < m; ++j) {
        uint64_t* dst = out_limb(j) + start;
        const uint64_t a_mod_bj = a_mod_b[j], bj = to[j].value;
        for (std::size_t c = 0; c < len; ++c) {
          const uint64_t r = reduce_64(y[c], to[j]);
          dst[c] = (kCentered && y[c] > half) ? sub_mod(r, a_mod_bj, bj) : r;
        }
      }
      continue;
    }
    for (std::size_t j = 0; j < m; ++j) {
      const uint64_t* row = ahat_mod_b + j * k;
      const Modulus& bj = to[j];
      // - v A mod b_j joins the accumulator as v (b_j - A mod b_j): v <= k, so the term stays below
      // 2^70 and one reduction serves both (instead of a second Barrett multiplication).
      const uint64_t neg_a = a_mod_b[j] == 0 ? 0 : bj.value - a_mod_b[j];
      dot_rows_any<kCentered>(k, y.data(), kBlock, row, v.data(), neg_a, bj, out_limb(j) + start, len);
    }
  }
  }
}
}  // namespace

template <bool kCentered>
void BaseConverter::run(const uint64_t* in, uint64_t* out, std::size_t n, std::size_t gap_at, std::size_t gap,
                        Simd set) const {
  HNN_REQUIRE(simd_supported(set), "the ", simd_name(set), " kernels are not available in this build or on this CPU");
  // The vector kernels' view of the tables (every prime is below 2^61, as they need: RnsBase).
  const detail::BaseConvertTables t{&from_, &to_, inv_a_.data(), ahat_mod_b_.data(), neg_a_times_.data(),
                                    column_powers_.data()};
  base_convert<kCentered>(from_, to_, ahat_mod_b_.data(), a_mod_b_.data(), inv_a_.data(), in, out, n, gap_at, gap,
                          set == Simd::Avx512Ifma ? &t : nullptr);
}

void BaseConverter::convert(const uint64_t* in, uint64_t* out, std::size_t n, Simd set) const {
  run<false>(in, out, n, to_.size(), 0, set);
}

void BaseConverter::convert_centered(const uint64_t* in, uint64_t* out, std::size_t n, Simd set) const {
  run<true>(in, out, n, to_.size(), 0, set);
}

void BaseConverter::convert_centered(const uint64_t* in, uint64_t* out, std::size_t n, std::size_t gap_at,
                                     std::size_t gap, Simd set) const {
  run<true>(in, out, n, gap_at, gap, set);
}

void divide_round_by_last(const RnsBase& base, uint64_t* poly, std::size_t n) {
  const std::size_t l = base.size() - 1;
  HNN_REQUIRE(l >= 1, "cannot rescale a polynomial with a single limb");
  const Modulus& ql = base[l];
  const uint64_t half = ql.value >> 1;
  uint64_t* last = poly + l * n;
  // x + floor(q_l/2), so that the floor division below rounds to nearest.
  for (std::size_t c = 0; c < n; ++c) last[c] = add_mod(last[c], half, ql.value);
  for (std::size_t i = 0; i < l; ++i) {
    const Modulus& qi = base[i];
    const uint64_t inv = inv_mod_prime(reduce_64(ql.value, qi), qi);
    const uint64_t inv_shoup = shoup_precompute(inv, qi.value);
    const uint64_t half_i = reduce_64(half, qi);
    uint64_t* dst = poly + i * n;
    for (std::size_t c = 0; c < n; ++c) {
      // (x_i + half - (x_l + half mod q_l)) / q_l
      uint64_t t = sub_mod(add_mod(dst[c], half_i, qi.value), reduce_64(last[c], qi), qi.value);
      dst[c] = mul_shoup(t, inv, inv_shoup, qi.value);
    }
  }
}

}  // namespace hnn::rns
