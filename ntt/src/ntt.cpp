#include "hnn/ntt/ntt.h"

#include "hnn/ntt/butterfly.h"
#include "hnn/rns/error.h"
#include "hnn/rns/primes.h"
#include "hnn/rns/simd.h"
#include "ntt_kernels.h"

#include <cstdlib>
#include <cstring>

namespace hnn::ntt {

using rns::mul_mod;
using rns::shoup_precompute;

NttTables::NttTables(std::size_t n, const rns::Modulus& q) : NttTables(n, q, 0) {}

NttTables::NttTables(std::size_t n, const rns::Modulus& q, uint64_t psi) : n_(n), q_(q) {
  HNN_REQUIRE(n >= 2 && (n & (n - 1)) == 0, "NTT size ", n, " must be a power of two");
  HNN_REQUIRE((q.value - 1) % (2 * n) == 0, "modulus ", q.value, " is not 1 mod 2N (N = ", n, ")");
  log_n_ = __builtin_ctzll(n);
  if (psi == 0) {
    psi = rns::minimal_primitive_root(2 * n, q.value);
  } else {  // a primitive 2N-th root: psi^N = -1 (then its order is exactly 2N, N a power of two)
    HNN_REQUIRE(psi < q.value && rns::pow_mod(psi, n, q) == q.value - 1, "psi = ", psi,
                " is not a primitive ", 2 * n, "-th root of unity mod ", q.value);
  }
  psi_ = psi;
  const uint64_t psi_inv = rns::inv_mod_prime(psi_, q);
  root_.resize(n);
  inv_root_.resize(n);
  root_shoup_.resize(n);
  inv_root_shoup_.resize(n);
  uint64_t power = 1, inv_power = 1;
  for (std::size_t k = 0; k < n; ++k) {
    const uint32_t r = bit_reverse(static_cast<uint32_t>(k), log_n_);
    root_[r] = power;
    inv_root_[r] = inv_power;
    power = mul_mod(power, psi_, q);
    inv_power = mul_mod(inv_power, psi_inv, q);
  }
  for (std::size_t k = 0; k < n; ++k) {
    root_shoup_[k] = shoup_precompute(root_[k], q.value);
    inv_root_shoup_[k] = shoup_precompute(inv_root_[k], q.value);
  }
  inv_n_ = rns::inv_mod_prime(n % q.value, q);
  inv_n_shoup_ = shoup_precompute(inv_n_, q.value);
  inv_n_root1_ = mul_mod(inv_root_[1], inv_n_, q);
  inv_n_root1_shoup_ = shoup_precompute(inv_n_root1_, q.value);
}

namespace detail {

void forward_limb_portable(uint64_t* a, const NttTables& t) {
  const std::size_t n = t.n();
  const uint64_t q = t.modulus().value;
  const uint64_t* w = t.root_powers();
  const uint64_t* ws = t.root_powers_shoup();
  std::size_t gap = n >> 1;
  for (std::size_t m = 1; m < n; m <<= 1, gap >>= 1) {
    if (gap >= 4) {
      for (std::size_t i = 0; i < m; ++i) {
        uint64_t* x = a + 2 * i * gap;
        uint64_t* y = x + gap;
        const uint64_t wi = w[m + i], wsi = ws[m + i];
        for (std::size_t j = 0; j < gap; ++j) ct_butterfly(x[j], y[j], wi, wsi, q);
      }
    } else {
      // Short butterfly groups: one twiddle per pair of groups; avoid the inner-loop overhead.
      for (std::size_t i = 0; i < m; ++i) {
        uint64_t* x = a + 2 * i * gap;
        const uint64_t wi = w[m + i], wsi = ws[m + i];
        for (std::size_t j = 0; j < gap; ++j) ct_butterfly(x[j], x[j + gap], wi, wsi, q);
      }
    }
  }
  for (std::size_t j = 0; j < n; ++j) a[j] = reduce_from_4q(a[j], q);
}

void inverse_limb_portable(uint64_t* a, const NttTables& t) {
  const std::size_t n = t.n();
  const uint64_t q = t.modulus().value;
  const uint64_t* w = t.inv_root_powers();
  const uint64_t* ws = t.inv_root_powers_shoup();
  std::size_t gap = 1;
  for (std::size_t m = n >> 1; m >= 2; m >>= 1, gap <<= 1) {
    for (std::size_t i = 0; i < m; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const uint64_t wi = w[m + i], wsi = ws[m + i];
      for (std::size_t j = 0; j < gap; ++j) gs_butterfly(x[j], y[j], wi, wsi, q);
    }
  }
  // Last stage (m = 1) fused with the multiplication by N^{-1}:
  // x' = (x + y) / N, y' = (x - y) * psi^{-brev(1)} / N.
  const uint64_t inv_n = t.inv_n(), inv_n_s = t.inv_n_shoup();
  const uint64_t wn = t.inv_n_root1(), wn_s = t.inv_n_root1_shoup();
  const uint64_t two_q = q << 1;
  uint64_t* x = a;
  uint64_t* y = a + gap;
  for (std::size_t j = 0; j < gap; ++j) {
    const uint64_t u = x[j], v = y[j];
    x[j] = rns::mul_shoup(u + v, inv_n, inv_n_s, q);
    y[j] = rns::mul_shoup(u - v + two_q, wn, wn_s, q);
  }
}

}  // namespace detail

bool kernel_supported(Kernel k) {
#if !defined(HNN_NTT_HAVE_AVX2)
  if (k == Kernel::Avx2) return false;
#endif
  return rns::simd_supported(k);
}

Kernel active_kernel() {
  static const Kernel k = [] {
    // HNN_NTT_KERNEL for the NTT alone, else the process-wide choice (HNN_SIMD).
    const char* env = std::getenv("HNN_NTT_KERNEL");
    Kernel want = rns::simd_level();
    if (env && std::strcmp(env, "portable") == 0) want = Kernel::Portable;
    if (env && std::strcmp(env, "avx2") == 0) want = Kernel::Avx2;
    if (env && std::strcmp(env, "avx512") == 0) want = Kernel::Avx512Ifma;
    if (want == Kernel::Avx512Ifma && kernel_supported(Kernel::Avx512Ifma)) return Kernel::Avx512Ifma;
    if (want != Kernel::Portable && kernel_supported(Kernel::Avx2)) return Kernel::Avx2;
    return Kernel::Portable;
  }();
  return k;
}

void transform_with(Kernel kernel, const NttPlan& plan, uint64_t* data) {
  HNN_REQUIRE(kernel_supported(kernel), "the ", rns::simd_name(kernel), " NTT kernel is not available in this build or on this CPU");
  const std::ptrdiff_t limbs = static_cast<std::ptrdiff_t>(plan.tables.size());
  if (limbs == 0) return;
  const std::size_t n = plan.tables[0]->n();
  for (const NttTables* t : plan.tables) HNN_ASSERT(t && t->n() == n, "NTT plan mixes ring sizes");
  // The vector kernels need N >= 16 (two vectors per short-stage step).
  if (n < 16) kernel = Kernel::Portable;
  const bool fwd = plan.direction == Direction::Forward;
  // Limbs dealt round-robin: plans list the special primes (60 bits, the slower Shoup path) after
  // the 40-bit ones, and contiguous halves gave them all to the last thread (16 + 6 limbs at
  // N = 2^16, two threads: 2.70-3.23 ms contiguous, 2.57-3.04 ms round-robin).
#pragma omp parallel for schedule(static, 1) if (limbs > 1)
  for (std::ptrdiff_t i = 0; i < limbs; ++i) {
    uint64_t* limb = data + static_cast<std::size_t>(i) * n;
    const NttTables& t = *plan.tables[i];
    switch (kernel) {
#if defined(HNN_HAVE_AVX512)
      case Kernel::Avx512Ifma:
        fwd ? detail::forward_limb_avx512(limb, t) : detail::inverse_limb_avx512(limb, t);
        break;
#endif
#if defined(HNN_NTT_HAVE_AVX2)
      case Kernel::Avx2:
        fwd ? detail::forward_limb_avx2(limb, t) : detail::inverse_limb_avx2(limb, t);
        break;
#endif
      default:
        fwd ? detail::forward_limb_portable(limb, t) : detail::inverse_limb_portable(limb, t);
    }
  }
}

void transform(const NttPlan& plan, uint64_t* data) { transform_with(active_kernel(), plan, data); }

namespace {
template <std::size_t G>
void repeat_each(const uint64_t* in, uint64_t* out, std::size_t m) {
  for (std::size_t k = 0; k < m; ++k)
    for (std::size_t i = 0; i < G; ++i) out[k * G + i] = in[k];
}
}  // namespace

// With N = g M and j = k g + i (i < g): brev_N(j) = brev_g(i) M + brev_M(k), so
// p(psi^(2 brev_N(j) + 1)) = r(psi^(g (2 brev_N(j) + 1))) = r((psi^g)^(2 brev_M(k) + 1)), psi^(2N) = 1.
void sparse_forward(const NttPlan& sub, std::size_t g, uint64_t* data, uint64_t* out) {
  HNN_REQUIRE(sub.direction == Direction::Forward, "sparse_forward takes a forward plan");
  HNN_REQUIRE(g >= 1 && (g & (g - 1)) == 0, "sparse_forward: g = ", g, " must be a power of two");
  transform(sub, data);
  const std::ptrdiff_t limbs = static_cast<std::ptrdiff_t>(sub.tables.size());
  if (limbs == 0) return;
  const std::size_t m = sub.tables[0]->n();
#pragma omp parallel for schedule(static) if (limbs > 1)
  for (std::ptrdiff_t l = 0; l < limbs; ++l) {
    const uint64_t* in = data + static_cast<std::size_t>(l) * m;
    uint64_t* o = out + static_cast<std::size_t>(l) * m * g;
    // A constant g lets the compiler vectorise the copy (with g a variable it stored word by word).
    switch (g) {
      case 2: repeat_each<2>(in, o, m); break;
      case 4: repeat_each<4>(in, o, m); break;
      case 8: repeat_each<8>(in, o, m); break;
      default:
        for (std::size_t k = 0; k < m; ++k)
          for (std::size_t i = 0; i < g; ++i) o[k * g + i] = in[k];
    }
  }
}

}  // namespace hnn::ntt
