#include "hnn/ntt/ntt.h"

#include "hnn/ntt/butterfly.h"
#include "hnn/rns/error.h"
#include "hnn/rns/parallel.h"
#include "hnn/rns/primes.h"
#include "hnn/rns/simd.h"
#include "ntt_kernels.h"

#include <omp.h>

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

// Stage m (m groups of 2 gap words, gap = N / 2m) restricted to part `part` of `parts` (1 or 2):
// its groups [m part / parts, m (part + 1) / parts), the words of half `part` when parts = 2 and
// m >= 2. The first forward stage and the last inverse one (m = 1) pair the halves: the split
// runs them apart, each part on its quarter of the butterflies (forward_first_stage,
// inverse_last_stage).
void forward_part_portable(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  const std::size_t n = t.n();
  const uint64_t q = t.modulus().value;
  const uint64_t* w = t.root_powers();
  const uint64_t* ws = t.root_powers_shoup();
  for (std::size_t m = parts, gap = n / (2 * parts); m < n; m <<= 1, gap >>= 1) {
    for (std::size_t i = m * part / parts; i < m * (part + 1) / parts; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const uint64_t wi = w[m + i], wsi = ws[m + i];
      for (std::size_t j = 0; j < gap; ++j) ct_butterfly(x[j], y[j], wi, wsi, q);
    }
  }
  for (std::size_t j = n * part / parts; j < n * (part + 1) / parts; ++j) a[j] = reduce_from_4q(a[j], q);
}

void forward_limb_portable(uint64_t* a, const NttTables& t) { forward_part_portable(a, t, 0, 1); }

void forward_first_stage_portable(uint64_t* a, const NttTables& t, std::size_t part) {
  const std::size_t n = t.n(), gap = n / 2;
  const uint64_t q = t.modulus().value, w = t.root_powers()[1], ws = t.root_powers_shoup()[1];
  for (std::size_t j = gap * part / 2; j < gap * (part + 1) / 2; ++j) ct_butterfly(a[j], a[j + gap], w, ws, q);
}

void inverse_part_portable(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  const std::size_t n = t.n();
  const uint64_t q = t.modulus().value;
  const uint64_t* w = t.inv_root_powers();
  const uint64_t* ws = t.inv_root_powers_shoup();
  std::size_t gap = 1;
  for (std::size_t m = n >> 1; m >= 2; m >>= 1, gap <<= 1) {
    for (std::size_t i = m * part / parts; i < m * (part + 1) / parts; ++i) {
      uint64_t* x = a + 2 * i * gap;
      uint64_t* y = x + gap;
      const uint64_t wi = w[m + i], wsi = ws[m + i];
      for (std::size_t j = 0; j < gap; ++j) gs_butterfly(x[j], y[j], wi, wsi, q);
    }
  }
  if (parts == 1) inverse_last_stage_portable(a, t, 0, 1);
}

void inverse_limb_portable(uint64_t* a, const NttTables& t) { inverse_part_portable(a, t, 0, 1); }

// Last stage (m = 1) fused with the multiplication by N^{-1}:
// x' = (x + y) / N, y' = (x - y) * psi^{-brev(1)} / N.
void inverse_last_stage_portable(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts) {
  const std::size_t gap = t.n() / 2;
  const uint64_t q = t.modulus().value;
  const uint64_t inv_n = t.inv_n(), inv_n_s = t.inv_n_shoup();
  const uint64_t wn = t.inv_n_root1(), wn_s = t.inv_n_root1_shoup();
  const uint64_t two_q = q << 1;
  uint64_t* x = a;
  uint64_t* y = a + gap;
  for (std::size_t j = gap * part / parts; j < gap * (part + 1) / parts; ++j) {
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

namespace {

// A kernel's per-limb functions; the two-thread parts are nullptr where it has none (AVX2).
struct LimbKernels {
  void (*forward)(uint64_t*, const NttTables&);
  void (*inverse)(uint64_t*, const NttTables&);
  void (*forward_first_stage)(uint64_t*, const NttTables&, std::size_t) = nullptr;
  void (*forward_part)(uint64_t*, const NttTables&, std::size_t, std::size_t) = nullptr;
  void (*inverse_part)(uint64_t*, const NttTables&, std::size_t, std::size_t) = nullptr;
  void (*inverse_last_stage)(uint64_t*, const NttTables&, std::size_t, std::size_t) = nullptr;
};

LimbKernels kernels_of(Kernel kernel) {
  switch (kernel) {
#if defined(HNN_HAVE_AVX512)
    case Kernel::Avx512Ifma:
      return {detail::forward_limb_avx512, detail::inverse_limb_avx512, detail::forward_first_stage_avx512,
              detail::forward_part_avx512, detail::inverse_part_avx512, detail::inverse_last_stage_avx512};
#endif
#if defined(HNN_NTT_HAVE_AVX2)
    case Kernel::Avx2:
      return {detail::forward_limb_avx2, detail::inverse_limb_avx2};
#endif
    default:
      return {detail::forward_limb_portable, detail::inverse_limb_portable, detail::forward_first_stage_portable,
              detail::forward_part_portable, detail::inverse_part_portable, detail::inverse_last_stage_portable};
  }
}

}  // namespace

void transform_with(Kernel kernel, const NttPlan& plan, uint64_t* data) {
  HNN_REQUIRE(kernel_supported(kernel), "the ", rns::simd_name(kernel), " NTT kernel is not available in this build or on this CPU");
  const std::ptrdiff_t limbs = static_cast<std::ptrdiff_t>(plan.tables.size());
  if (limbs == 0) return;
  const std::size_t n = plan.tables[0]->n();
  for (const NttTables* t : plan.tables) HNN_ASSERT(t && t->n() == n, "NTT plan mixes ring sizes");
  // The vector kernels need N >= 16 (two vectors per short-stage step).
  if (n < 16) kernel = Kernel::Portable;
  const LimbKernels k = kernels_of(kernel);
  const bool fwd = plan.direction == Direction::Forward;
  auto whole_limb = [&](std::ptrdiff_t i) {
    (fwd ? k.forward : k.inverse)(data + static_cast<std::size_t>(i) * n, *plan.tables[static_cast<std::size_t>(i)]);
  };
  // Limbs dealt round-robin: plans list the special primes (60 bits, the slower Shoup path) after
  // the 40-bit ones, and contiguous halves gave them all to the last thread (16 + 6 limbs at
  // N = 2^16, two threads: 2.70-3.23 ms contiguous, 2.57-3.04 ms round-robin).
  //
  // When the round leaves two threads or more with one limb less, two of them share the last limb
  // (ntt_kernels.h: its halves after the first forward stage, before the last inverse one) instead
  // of waiting while one thread transforms it: an odd limb count on two threads, one limb
  // included (a rescale's last limb, ModDown's special ones).
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const bool share_last = k.forward_part && n >= 64 && threads >= 2 &&
                          static_cast<int>((limbs - 1) % threads) + 2 <= threads;
  if (!share_last) {
#pragma omp parallel for schedule(static, 1) if (limbs > 1)
    for (std::ptrdiff_t i = 0; i < limbs; ++i) whole_limb(i);
    return;
  }
  const std::ptrdiff_t whole = limbs - 1;
  uint64_t* last = data + static_cast<std::size_t>(whole) * n;
  const NttTables& lt = *plan.tables[static_cast<std::size_t>(whole)];
#pragma omp parallel
  {
#pragma omp for schedule(static, 1) nowait
    for (std::ptrdiff_t i = 0; i < whole; ++i) whole_limb(i);
    // The first two threads with one limb less (round-robin from thread 0) take the parts; a
    // team smaller than asked for runs the last limb whole.
    const int team = omp_get_num_threads(), me = omp_get_thread_num();
    const int r = static_cast<int>(whole % team);
    const bool two = r + 1 < team;
    const std::size_t part = static_cast<std::size_t>(me - r);
    const bool mine = two && (me == r || me == r + 1);
    if (mine) fwd ? k.forward_first_stage(last, lt, part) : k.inverse_part(last, lt, part, 2);
    else if (!two && me == r) whole_limb(whole);
#pragma omp barrier
    if (mine) fwd ? k.forward_part(last, lt, part, 2) : k.inverse_last_stage(last, lt, part, 2);
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
  const std::size_t m = sub.tables[0]->n(), n = m * g;
  // Output words [c0, c1) of limb l from input words [c0 / g, c1 / g) (whole groups: a part is
  // half a limb, and g divides N / 2).
  const auto expand = [&](std::size_t l, std::size_t c0, std::size_t c1) {
    const uint64_t* in = data + l * m + c0 / g;
    uint64_t* o = out + l * n + c0;
    const std::size_t count = (c1 - c0) / g;
    // A constant g lets the compiler vectorise the copy (with g a variable it stored word by word).
    switch (g) {
      case 2: repeat_each<2>(in, o, count); break;
      case 4: repeat_each<4>(in, o, count); break;
      case 8: repeat_each<8>(in, o, count); break;
      default:
        for (std::size_t k = 0; k < count; ++k)
          for (std::size_t i = 0; i < g; ++i) o[k * g + i] = in[k];
    }
  };
  if (g <= n / 2) rns::for_each_limb_part(static_cast<std::size_t>(limbs), n, expand);
  else
    for (std::size_t l = 0; l < static_cast<std::size_t>(limbs); ++l) expand(l, 0, n);
}

}  // namespace hnn::ntt
