#include "hnn/ckks/bootstrap/linear_transform.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>

#include "../gpu/gpu_ops.h"
#include "../key_switch.h"
#include "../poly_ops.h"
#include "hnn/rns/error.h"
#include "hnn/rns/parallel.h"
#include "hnn/rns/simd.h"

namespace hnn::ckks::bootstrap {
namespace {

// Offsets normalised to (-slots/2, slots/2], so that nearby diagonals share giant steps.
int normalise(long long d, std::size_t slots) {
  const long long n = static_cast<long long>(slots);
  long long r = ((d % n) + n) % n;
  if (r > n / 2) r -= n;
  return static_cast<int>(r);
}

long long floor_div(long long a, long long b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// A sparse-slot plaintext's NTT values repeat g times in a row (ntt::sparse_forward): every g-th
// word, and back.
rns::RnsPoly subring_words(const rns::RnsPoly& full, std::size_t g) {
  rns::RnsPoly out(full.n() / g, full.limbs(), rns::Domain::Ntt, rns::RnsPoly::Uninitialized{});
  for (std::size_t i = 0; i < full.limbs(); ++i)
    for (std::size_t k = 0; k < out.n(); ++k) out.limb(i)[k] = full.limb(i)[k * g];
  return out;
}

rns::RnsPoly repeated_words(const rns::RnsPoly& sub, std::size_t g) {
  rns::RnsPoly out(sub.n() * g, sub.limbs(), rns::Domain::Ntt, rns::RnsPoly::Uninitialized{});
  for (std::size_t i = 0; i < sub.limbs(); ++i)
    for (std::size_t c = 0; c < out.n(); ++c) out.limb(i)[c] = sub.limb(i)[c / g];
  return out;
}

}  // namespace

LinearTransform::LinearTransform(const Encoder& encoder, const Diagonals& diagonals, std::size_t slots,
                                 int level, double scale, int baby_steps, bool plan_only)
    : slots_(slots), level_(level), scale_(scale), plan_only_(plan_only) {
  const Context& ctx = *encoder.context();
  HNN_REQUIRE(slots >= 1 && std::has_single_bit(slots) && slots <= ctx.params().max_slots(),
              "linear transform on ", slots, " slots: use a power of two <= N/2");
  repeat_ = ctx.params().max_slots() / slots;
  HNN_REQUIRE(level >= 0 && level <= ctx.max_level(), "linear transform level ", level, " out of range");
  HNN_REQUIRE(!diagonals.empty(), "linear transform without diagonals");
  // Merge diagonals that coincide modulo the slot count.
  std::map<int, std::vector<std::complex<double>>> diags;
  for (const auto& [d, v] : diagonals) {
    HNN_REQUIRE(v.size() == slots, "diagonal ", d, " has ", v.size(), " entries, expected ", slots);
    auto& slot = diags[normalise(d, slots)];
    if (slot.empty()) slot.assign(slots, 0.0);
    for (std::size_t k = 0; k < slots; ++k) slot[k] += v[k];
  }
  // All offsets are multiples of `stride` (a power of two for the DFT factors).
  long long stride = 0;
  for (const auto& [d, v] : diags) stride = std::gcd(stride, static_cast<long long>(std::abs(d)));
  if (stride == 0) stride = 1;
  auto plan = [&](long long g) {
    std::set<long long> babies, giants;
    for (const auto& [d, v] : diags) {
      const long long k = d / stride, j = floor_div(k, g);
      babies.insert(k - j * g);
      giants.insert(j);
    }
    return std::pair{babies, giants};
  };
  long long g = baby_steps;
  // baby_steps = 0: minimise (baby steps) / 2 + (giant steps). With double hoisting a baby step
  // costs well under half a giant step, but weights of 1/4 to 1/16 measured no faster on the n16
  // chain (logN 14 proxy, 4096 real slots) while needing up to twice the Galois keys.
  if (g <= 0) {
    double best = 1e300;
    for (long long c = 1; c <= static_cast<long long>(slots); c *= 2) {
      auto [b, j] = plan(c);
      const double cost = 0.5 * static_cast<double>(b.size()) + static_cast<double>(j.size());
      if (cost < best) best = cost, g = c;
    }
  }
  auto [babies, giants] = plan(g);
  for (long long b : babies) baby_.push_back(static_cast<int>(b * stride));
  for (long long j : giants) {
    Giant giant;
    giant.step = normalise(j * g * stride, slots);
    for (const auto& [d, v] : diags) {
      const long long k = d / stride;
      if (floor_div(k, g) != j) continue;
      const int b = static_cast<int>((k - j * g) * stride);
      const std::size_t bi = static_cast<std::size_t>(std::find(baby_.begin(), baby_.end(), b) - baby_.begin());
      if (plan_only) {
        giant.terms.emplace_back(bi, rns::RnsPoly{});
        continue;
      }
      // rot_{-G}(diag): entry k' = diag[(k' - G) mod slots]
      std::vector<std::complex<double>> rotated(slots);
      const long long shift = j * g * stride;
      for (std::size_t k2 = 0; k2 < slots; ++k2) {
        const long long src = ((static_cast<long long>(k2) - shift) % static_cast<long long>(slots) +
                               static_cast<long long>(slots)) % static_cast<long long>(slots);
        rotated[k2] = v[static_cast<std::size_t>(src)];
      }
      rns::RnsPoly pt = encoder.encode_extended(rotated, level, scale);
      giant.terms.emplace_back(bi, repeat_ > 1 ? subring_words(pt, repeat_) : std::move(pt));
    }
    giants_.push_back(std::move(giant));
  }
}

std::vector<int> LinearTransform::rotation_steps() const {
  std::set<int> s;
  for (int b : baby_)
    if (b != 0) s.insert(b);
  for (const auto& g : giants_)
    if (g.step != 0) s.insert(g.step);
  return {s.begin(), s.end()};
}

std::size_t LinearTransform::plaintext_count() const {
  std::size_t c = 0;
  for (const auto& g : giants_) c += g.terms.size();
  return c;
}

std::size_t LinearTransform::size_bytes() const {
  std::size_t bytes = 0;
  for (const auto& g : giants_)
    for (const auto& [b, pt] : g.terms) bytes += pt.size_bytes();
  return bytes;
}

namespace {

using rns::RnsPoly;

// (s0, s1) = sum over `terms` of pt * baby, over Q_l u P, each word reduced once (rns::dot2_mod).
// The plaintexts repeat each word `repeat` times (their subring form; 1 on a device).
void sum_of_products(const Context& ctx, std::size_t q_limbs,
                     const std::vector<std::pair<std::size_t, RnsPoly>>& terms,
                     const std::vector<std::array<RnsPoly, 2>>& babies, std::size_t repeat, RnsPoly& s0,
                     RnsPoly& s1) {
  if (s0.on_device()) return detail::gpu::sum_of_products(ctx, q_limbs, terms, babies, s0, s1);
  const std::size_t n = ctx.n(), limbs = s0.limbs();
  rns::for_each_limb_part(limbs, n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    std::vector<const uint64_t*> w(terms.size()), x0(terms.size()), x1(terms.size());
    for (std::size_t t = 0; t < terms.size(); ++t) {
      const auto& [bi, pt] = terms[t];
      w[t] = pt.limb(i) + c0 / repeat;  // a part is half a limb: repeat divides c0
      x0[t] = babies[bi][0].limb(i) + c0;
      x1[t] = babies[bi][1].limb(i) + c0;
    }
    rns::dot2_mod_repeated(terms.size(), w.data(), x0.data(), x1.data(), repeat, c1 - c0,
                           detail::extended_modulus(ctx, q_limbs, i), s0.limb(i) + c0, s1.limb(i) + c0);
  });
}

// acc += sigma(x) + y over Q_l u P (perm: sigma's NTT permutation, nullptr for the identity;
// y may be empty).
void add_extended(const Context& ctx, std::size_t q_limbs, RnsPoly& acc, const RnsPoly& x,
                  const std::vector<uint32_t>* perm, const RnsPoly* y) {
  if (acc.on_device()) return detail::gpu::add_extended(ctx, q_limbs, acc, x, perm, y);
  rns::for_each_limb_part(acc.limbs(), ctx.n(), [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = detail::extended_modulus(ctx, q_limbs, i).value;
    uint64_t* z = acc.limb(i);
    const uint64_t* a = x.limb(i);
    for (std::size_t c = c0; c < c1; ++c) z[c] = rns::add_mod(z[c], perm ? a[(*perm)[c]] : a[c], q);
    if (y) {
      const uint64_t* b = y->limb(i);
      for (std::size_t c = c0; c < c1; ++c) z[c] = rns::add_mod(z[c], b[c], q);
    }
  });
}

}  // namespace

void LinearTransform::move_to(rns::Device device, const Context& ctx) {
  if (device == device_) return;
  if (plan_only_) {  // no words to move
    device_ = device;
    return;
  }
  // The device kernels read full plaintexts; the CPU keeps the subring form.
  const std::size_t g = ctx.params().max_slots() / slots_;
  for (Giant& giant : giants_) {
    for (auto& [bi, pt] : giant.terms) {
      if (pt.on_device()) pt = g > 1 ? subring_words(pt.to_host(), g) : pt.to_host();
      if (device.is_cuda())
        pt = g > 1 ? repeated_words(pt, g).to_device(ctx.device_context(device).stream())
                   : pt.to_device(ctx.device_context(device).stream());
    }
  }
  repeat_ = device.is_cuda() ? 1 : g;
  device_ = device;
}

// Double hoisting (Bossuat et al., Eurocrypt 2021, Sec. 3.3, Alg. 6). The baby-step rotations share
// one decomposition and stay over Q_l u P (no ModDown each); each giant step sums its plaintext
// products there, pays one ModDown (of c1 only, which it must decompose), and its rotation stays
// over Q_l u P too; one final ModDown of the sum. ModDowns: 2 + (giant steps) instead of
// 2 (baby steps + giant steps).
Ciphertext LinearTransform::apply(const Evaluator& ev, const Ciphertext& x, const GaloisKeys& gk) const {
  return apply(ev, x, gk, false);
}

Ciphertext LinearTransform::apply_rescaled(const Evaluator& ev, const Ciphertext& x, const GaloisKeys& gk) const {
  HNN_REQUIRE(level_ >= 1, "apply_rescaled: the transform is encoded at level 0, which has no prime to divide by");
  return apply(ev, x, gk, true);
}

Ciphertext LinearTransform::apply(const Evaluator& ev, const Ciphertext& x, const GaloisKeys& gk, bool rescale) const {
  const Context& ctx = *ev.context();
  HNN_REQUIRE(!plan_only_, "this linear transform was planned without its plaintexts (plan_only; a Bootstrapper made "
              "with Precompute::KeysOnly): it gives rotation steps, not products");
  HNN_REQUIRE(x.level() >= level_, "linear transform encoded at level ", level_, " applied to a ciphertext at level ",
              x.level());
  HNN_REQUIRE(x.size() == 2, "linear transform expects a relinearized ciphertext");
  HNN_REQUIRE(x.device() == device_, "the linear transform's plaintexts are on ", device_.name(),
              " but the ciphertext on ", x.device().name(), ": move one of them (LinearTransform::move_to, to_device)");
  Ciphertext in = x.clone();
  ev.drop_to_level_inplace(in, level_);
  const std::size_t limbs = static_cast<std::size_t>(level_) + 1;
  const std::size_t ext_limbs = limbs + ctx.special_count();
  // Every key first, so a missing or too-low key fails before any work.
  auto key_for = [&](int step) -> const SwitchingKey* {
    const uint32_t elt = ctx.galois_element(step);
    return elt == 1 ? nullptr : &ev.galois_key(gk, elt, step, level_);
  };
  std::vector<const SwitchingKey*> baby_keys, giant_keys;
  for (int b : baby_) baby_keys.push_back(key_for(b));
  for (const auto& g : giants_) giant_keys.push_back(key_for(g.step));

  // Baby steps: P rot_b(x) + e over Q_l u P.
  detail::Decomposition dec;
  if (std::any_of(baby_keys.begin(), baby_keys.end(), [](const SwitchingKey* k) { return k != nullptr; }))
    dec = detail::decompose(ctx, in[1]);
  std::vector<std::array<RnsPoly, 2>> babies(baby_.size());
  for (std::size_t i = 0; i < baby_.size(); ++i) {
    auto& [e0, e1] = babies[i];
    if (!baby_keys[i]) {
      e0 = in[0].zeros_like(ext_limbs);
      e1 = in[0].zeros_like(ext_limbs);
      detail::add_times_p(ctx, e0, in[0]);
      detail::add_times_p(ctx, e1, in[1]);
      continue;
    }
    const auto& perm = ctx.galois_permutation(ctx.galois_element(baby_[i]));
    detail::key_switch_extended(ctx, dec, *baby_keys[i], &perm, e0, e1);
    detail::add_times_p(ctx, e0, in[0], &perm);
  }

  RnsPoly acc0 = in[0].zeros_like(ext_limbs), acc1 = in[0].zeros_like(ext_limbs);
  RnsPoly s0 = in[0].uninitialized_like(ext_limbs), s1 = in[0].uninitialized_like(ext_limbs);
  for (std::size_t j = 0; j < giants_.size(); ++j) {
    sum_of_products(ctx, limbs, giants_[j].terms, babies, repeat_, s0, s1);
    if (!giant_keys[j]) {
      add_extended(ctx, limbs, acc0, s0, nullptr, nullptr);
      add_extended(ctx, limbs, acc1, s1, nullptr, nullptr);
      continue;
    }
    // rot_G(s0 + s1 s) = sigma(s0) + sigma(s1) s: s0 is permuted as it is; s1 is brought to Q_l
    // (ModDown) to be key-switched, which returns P sigma(c1) s over Q_l u P.
    const auto& perm = ctx.galois_permutation(ctx.galois_element(giants_[j].step));
    RnsPoly c1, rotated = in[0].uninitialized_like(limbs);
    detail::mod_down(ctx, s1, c1);
    detail::permute(ctx, c1, perm, rotated);
    RnsPoly u0, u1;
    detail::key_switch_extended(ctx, detail::decompose(ctx, rotated), *giant_keys[j], nullptr, u0, u1);
    add_extended(ctx, limbs, acc0, s0, &perm, &u0);
    add_extended(ctx, limbs, acc1, u1, nullptr, nullptr);
  }
  std::vector<RnsPoly> polys(2);
  const auto divide = rescale ? detail::mod_down_rescale : detail::mod_down;
  divide(ctx, acc0, polys[0]);
  divide(ctx, acc1, polys[1]);
  const double q_last = rescale ? static_cast<double>(ctx.modulus(static_cast<std::size_t>(level_)).value) : 1.0;
  return Ciphertext(ev.context(), std::move(polys), in.scale() * scale_ / q_last, in.slots());
}

}  // namespace hnn::ckks::bootstrap
