#include "hnn/rns/simd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "hnn/rns/error.h"
#include "simd_kernels.h"

namespace hnn::rns {

bool simd_supported(Simd s) {
  switch (s) {
    case Simd::Portable: return true;
    case Simd::Avx2:
#if defined(__x86_64__)
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
    case Simd::Avx512Ifma:
#if defined(HNN_HAVE_AVX512)
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512ifma");
#else
      return false;
#endif
  }
  return false;
}

const char* simd_name(Simd s) {
  switch (s) {
    case Simd::Portable: return "portable";
    case Simd::Avx2: return "avx2";
    case Simd::Avx512Ifma: return "avx512";
  }
  return "?";
}

Simd simd_level() {
  static const Simd level = [] {
    Simd want = Simd::Avx512Ifma;
    if (const char* env = std::getenv("HNN_SIMD")) {
      if (std::strcmp(env, "portable") == 0) want = Simd::Portable;
      else if (std::strcmp(env, "avx2") == 0) want = Simd::Avx2;
    }
    if (want == Simd::Avx512Ifma && simd_supported(Simd::Avx512Ifma)) return Simd::Avx512Ifma;
    if (want != Simd::Portable && simd_supported(Simd::Avx2)) return Simd::Avx2;
    return Simd::Portable;
  }();
  return level;
}

std::size_t max_dot_terms(const Modulus& q) {
  const int shift = 128 - 2 * q.bits;
  return shift >= 10 ? 1024 : std::size_t{1} << shift;
}

namespace {
void require_supported(Simd set) {
  HNN_REQUIRE(simd_supported(set), "the ", simd_name(set), " kernels are not available in this build or on this CPU");
}

void dot2_mod_portable(std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                       const uint64_t* const* v, const uint32_t* perm, std::size_t repeat, std::size_t n,
                       const Modulus& q, uint64_t* out0, uint64_t* out1) {
  // Lazy accumulation in 128 bits over blocks of coefficients, one reduction per word.
  constexpr std::size_t kBlock = 512;
  unsigned __int128 a0[kBlock], a1[kBlock];
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t len = std::min(kBlock, n - start);
    for (std::size_t c = 0; c < len; ++c) a0[c] = a1[c] = 0;
    for (std::size_t t = 0; t < terms; ++t) {
      const uint64_t* x = s[t];
      const uint64_t* b = u[t] + start;
      const uint64_t* a = v[t] + start;
      if (perm) {
        const uint32_t* pm = perm + start;
        for (std::size_t c = 0; c < len; ++c) {
          const uint64_t w = x[pm[c]];
          a0[c] += static_cast<unsigned __int128>(w) * b[c];
          a1[c] += static_cast<unsigned __int128>(w) * a[c];
        }
      } else if (repeat > 1) {
        for (std::size_t c = 0; c < len; ++c) {
          const uint64_t w = x[(start + c) / repeat];
          a0[c] += static_cast<unsigned __int128>(w) * b[c];
          a1[c] += static_cast<unsigned __int128>(w) * a[c];
        }
      } else {
        const uint64_t* xs = x + start;
        for (std::size_t c = 0; c < len; ++c) {
          a0[c] += static_cast<unsigned __int128>(xs[c]) * b[c];
          a1[c] += static_cast<unsigned __int128>(xs[c]) * a[c];
        }
      }
    }
    for (std::size_t c = 0; c < len; ++c) {
      out0[start + c] = reduce_128(static_cast<uint64_t>(a0[c] >> 64), static_cast<uint64_t>(a0[c]), q);
      out1[start + c] = reduce_128(static_cast<uint64_t>(a1[c] >> 64), static_cast<uint64_t>(a1[c]), q);
    }
  }
}
}  // namespace

namespace {
void dot2_mod_any(Simd set, std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                  const uint64_t* const* v, const uint32_t* perm, std::size_t repeat, std::size_t n, const Modulus& q,
                  uint64_t* out0, uint64_t* out1) {
  require_supported(set);
  HNN_ASSERT(terms <= max_dot_terms(q), "dot2_mod: ", terms, " products of ", q.bits, "-bit words overflow its sums");
  HNN_ASSERT(q.bits <= 61, "dot2_mod: the modulus must be below 2^61");
  HNN_ASSERT(repeat >= 1 && n % repeat == 0, "dot2_mod_repeated: ", n, " words do not repeat ", repeat, " times");
#if defined(HNN_HAVE_AVX512)
  if (set == Simd::Avx512Ifma && n % 8 == 0)
    return detail::dot2_mod_avx512(terms, s, u, v, perm, repeat, n, q, out0, out1);
#endif
  dot2_mod_portable(terms, s, u, v, perm, repeat, n, q, out0, out1);
}
}  // namespace

void dot2_mod_with(Simd set, std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                   const uint64_t* const* v, const uint32_t* perm, std::size_t n, const Modulus& q, uint64_t* out0,
                   uint64_t* out1) {
  dot2_mod_any(set, terms, s, u, v, perm, 1, n, q, out0, out1);
}

void dot2_mod(std::size_t terms, const uint64_t* const* s, const uint64_t* const* u, const uint64_t* const* v,
              const uint32_t* perm, std::size_t n, const Modulus& q, uint64_t* out0, uint64_t* out1) {
  dot2_mod_any(simd_level(), terms, s, u, v, perm, 1, n, q, out0, out1);
}

void dot2_mod_repeated_with(Simd set, std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                            const uint64_t* const* v, std::size_t repeat, std::size_t n, const Modulus& q,
                            uint64_t* out0, uint64_t* out1) {
  dot2_mod_any(set, terms, s, u, v, nullptr, repeat, n, q, out0, out1);
}

void dot2_mod_repeated(std::size_t terms, const uint64_t* const* s, const uint64_t* const* u,
                       const uint64_t* const* v, std::size_t repeat, std::size_t n, const Modulus& q,
                       uint64_t* out0, uint64_t* out1) {
  dot2_mod_any(simd_level(), terms, s, u, v, nullptr, repeat, n, q, out0, out1);
}

void mul_mod_words(const uint64_t* a, const uint64_t* b, uint64_t* out, std::size_t n, const Modulus& q, Simd set) {
  require_supported(set);
#if defined(HNN_HAVE_AVX512)
  if (set == Simd::Avx512Ifma && n % 8 == 0 && q.bits <= 61) return detail::mul_mod_words_avx512(a, b, out, n, q, false);
#endif
  for (std::size_t c = 0; c < n; ++c) out[c] = mul_mod(a[c], b[c], q);
}

void mul_add_mod_words(uint64_t* acc, const uint64_t* a, const uint64_t* b, std::size_t n, const Modulus& q, Simd set) {
  require_supported(set);
#if defined(HNN_HAVE_AVX512)
  if (set == Simd::Avx512Ifma && n % 8 == 0 && q.bits <= 61) return detail::mul_mod_words_avx512(a, b, acc, n, q, true);
#endif
  for (std::size_t c = 0; c < n; ++c) acc[c] = add_mod(acc[c], mul_mod(a[c], b[c], q), q.value);
}

void mul_shoup_words(const uint64_t* a, uint64_t* out, std::size_t n, uint64_t w, uint64_t w_shoup, uint64_t q,
                     Simd set) {
  require_supported(set);
#if defined(HNN_HAVE_AVX512)
  if (set == Simd::Avx512Ifma && n % 8 == 0) return detail::mul_shoup_words_avx512(a, out, n, w, w_shoup, q);
#endif
  for (std::size_t c = 0; c < n; ++c) out[c] = mul_shoup(a[c], w, w_shoup, q);
}

void sub_mul_shoup_words(const uint64_t* x, const uint64_t* y, uint64_t* out, std::size_t n, uint64_t w,
                         uint64_t w_shoup, uint64_t q, Simd set) {
  require_supported(set);
#if defined(HNN_HAVE_AVX512)
  if (set == Simd::Avx512Ifma && n % 8 == 0) return detail::sub_mul_shoup_words_avx512(x, y, out, n, w, w_shoup, q);
#endif
  for (std::size_t c = 0; c < n; ++c) out[c] = mul_shoup(x[c] + q - y[c], w, w_shoup, q);
}

void add_mul_shoup_words(uint64_t* acc, const uint64_t* a, const uint32_t* perm, std::size_t n, uint64_t w,
                         uint64_t w_shoup, uint64_t q, Simd set) {
  require_supported(set);
#if defined(HNN_HAVE_AVX512)
  if (set == Simd::Avx512Ifma && n % 8 == 0) return detail::add_mul_shoup_words_avx512(acc, a, perm, n, w, w_shoup, q);
#endif
  for (std::size_t c = 0; c < n; ++c) acc[c] = add_mod(acc[c], mul_shoup(a[perm ? perm[c] : c], w, w_shoup, q), q);
}

void signed_residue_words(const int64_t* v, uint64_t* out, std::size_t n, const Modulus& q, Simd set) {
  require_supported(set);
#if defined(HNN_HAVE_AVX512)
  // The vector kernel's quotient estimate is within 1 of floor(v / q) from 2^12 on (see there).
  if (set == Simd::Avx512Ifma && n % 8 == 0 && q.bits >= 20 && q.bits <= 61)
    return detail::signed_residue_words_avx512(v, out, n, q.value);
#endif
  for (std::size_t c = 0; c < n; ++c) out[c] = from_signed(v[c], q);
}

void tensor_mod_words(const uint64_t* x0, const uint64_t* x1, const uint64_t* y0, const uint64_t* y1, uint64_t* r0,
                      uint64_t* r1, uint64_t* r2, std::size_t n, const Modulus& q, Simd set) {
  require_supported(set);
#if defined(HNN_HAVE_AVX512)
  if (set == Simd::Avx512Ifma && n % 8 == 0 && q.bits <= 61) {  // four vector passes
    detail::mul_mod_words_avx512(x0, y0, r0, n, q, false);
    detail::mul_mod_words_avx512(x0, y1, r1, n, q, false);
    detail::mul_mod_words_avx512(x1, y0, r1, n, q, true);
    detail::mul_mod_words_avx512(x1, y1, r2, n, q, false);
    return;
  }
#endif
  for (std::size_t c = 0; c < n; ++c) {
    r0[c] = mul_mod(x0[c], y0[c], q);
    // x0 y1 + x1 y0 with one reduction (sum < 2^123).
    const unsigned __int128 s = static_cast<unsigned __int128>(x0[c]) * y1[c] + static_cast<unsigned __int128>(x1[c]) * y0[c];
    r1[c] = reduce_128(static_cast<uint64_t>(s >> 64), static_cast<uint64_t>(s), q);
    r2[c] = mul_mod(x1[c], y1[c], q);
  }
}

}  // namespace hnn::rns
