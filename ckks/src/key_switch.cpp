#include "key_switch.h"

#include <array>
#include <cstring>

#include "gpu/gpu_ops.h"
#include "hnn/rns/error.h"
#include "hnn/rns/parallel.h"
#include "hnn/rns/simd.h"
#include "poly_ops.h"

namespace hnn::ckks::detail {

using rns::RnsPoly;

Decomposition decompose(const Context& ctx, const RnsPoly& d) {
  if (d.on_device()) return gpu::decompose(ctx, d);
  HNN_ASSERT(d.domain() == rns::Domain::Ntt, "key switching expects the NTT domain");
  const std::size_t n = ctx.n();
  const int level = static_cast<int>(d.limbs()) - 1;
  const std::size_t k = ctx.special_count();
  const std::size_t ext_limbs = d.limbs() + k;

  RnsPoly coeff = d.clone();
  to_coeff(ctx, coeff);

  Decomposition out;
  out.level = level;
  const int digits = ctx.digits_at_level(level);
  for (int j = 0; j < digits; ++j) {
    const auto& step = ctx.mod_up_step(level, j);
    RnsPoly ext(n, ext_limbs, rns::Domain::Ntt, RnsPoly::Uninitialized{});  // fully written below
    // The digit's own limbs are d's limbs, already in the NTT domain.
    rns::copy_limbs(ext.limb(step.begin), d.limb(step.begin), step.end - step.begin, n);
    // The others, limbs [0, begin) and [end, ext_limbs) (step.target_limbs): fast base conversion
    // in the coefficient domain straight into them, then forward NTTs in place.
    step.converter.convert_centered(coeff.limb(step.begin), ext.data(), n, step.begin, step.end - step.begin);
    if (step.begin > 0) ntt::transform(step.forward_below, ext.limb(0));
    if (step.end < ext_limbs) ntt::transform(step.forward_above, ext.limb(step.end));
    out.digits.push_back(std::move(ext));
  }
  return out;
}

namespace {

// round(x / D) from Q_l u P to the Q limbs below the divisor, NTT domain: D = P (ModDown) or
// P q_l (ModDown fused with the rescale). x mod D is taken to the coefficient domain, converted
// (centered) to the remaining Q limbs, and z_i = (x_i - [x]_D) D^{-1} mod q_i.
void divide_by_special(const Context& ctx, const RnsPoly& ext, RnsPoly& out, bool rescale) {
  if (ext.on_device()) return gpu::divide_by_special(ctx, ext, out, rescale);
  const std::size_t n = ctx.n();
  const std::size_t k = ctx.special_count();
  const int level = static_cast<int>(ext.limbs() - k) - 1;
  HNN_ASSERT(!rescale || level >= 1, "mod_down_rescale at level 0");
  const std::size_t limbs = static_cast<std::size_t>(level) + (rescale ? 0 : 1);  // output limbs
  const std::size_t div = k + (rescale ? 1 : 0);                                 // divisor limbs
  // x mod D in the coefficient domain: the P limbs, then q_l when rescaling.
  RnsPoly d_part(n, div, rns::Domain::Ntt, RnsPoly::Uninitialized{});
  rns::copy_limbs(d_part.data(), ext.limb(static_cast<std::size_t>(level) + 1), k, n);
  std::vector<std::size_t> d_idx(div);
  for (std::size_t j = 0; j < k; ++j) d_idx[j] = ctx.p_index(j);
  if (rescale) {
    std::memcpy(d_part.limb(k), ext.limb(static_cast<std::size_t>(level)), n * sizeof(uint64_t));
    d_idx[k] = static_cast<std::size_t>(level);
  }
  ntt::transform(ctx.plan(d_idx, ntt::Direction::Inverse), d_part.data());
  // Converted to the output limbs, back to the NTT domain.
  RnsPoly conv(n, limbs, rns::Domain::Coefficient, RnsPoly::Uninitialized{});
  const rns::BaseConverter& converter = rescale ? ctx.mod_down_rescale_converter(level) : ctx.mod_down_converter(level);
  converter.convert_centered(d_part.data(), conv.data(), n);
  ntt::transform(ctx.plan_q(limbs, ntt::Direction::Forward), conv.data());
  if (out.limbs() != limbs || out.n() != n) out = RnsPoly(n, limbs, rns::Domain::Ntt, RnsPoly::Uninitialized{});
  rns::for_each_limb_part(limbs, n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value;
    const uint64_t w = rescale ? ctx.pq_last_inv(level, i) : ctx.p_inv_mod_q(i);
    const uint64_t ws = rescale ? ctx.pq_last_inv_shoup(level, i) : ctx.p_inv_mod_q_shoup(i);
    rns::sub_mul_shoup_words(ext.limb(i) + c0, conv.limb(i) + c0, out.limb(i) + c0, c1 - c0, w, ws, q);
  });
  out.set_domain(rns::Domain::Ntt);
}

}  // namespace

void mod_down(const Context& ctx, const RnsPoly& ext, RnsPoly& out) { divide_by_special(ctx, ext, out, false); }

void mod_down_rescale(const Context& ctx, const RnsPoly& ext, RnsPoly& out) { divide_by_special(ctx, ext, out, true); }

void key_switch_extended(const Context& ctx, const Decomposition& dec, const SwitchingKey& key,
                         const std::vector<uint32_t>* perm, RnsPoly& acc0, RnsPoly& acc1) {
  HNN_ASSERT(!dec.digits.empty() && key.digits() > 0, "key switching without digits");
  HNN_REQUIRE(key.b(0).device() == dec.digits[0].device(), "the switching key is on ", key.b(0).device().name(),
              " but the ciphertext on ", dec.digits[0].device().name(),
              ": keep keys and ciphertexts on one device (hnn::ckks::to_device / to_host)");
  if (dec.digits[0].on_device()) return gpu::key_switch_extended(ctx, dec, key, perm, acc0, acc1);
  const std::size_t n = ctx.n();
  const int level = dec.level;
  const std::size_t limbs = static_cast<std::size_t>(level) + 1;
  const std::size_t k = ctx.special_count();
  const std::size_t ext_limbs = limbs + k;
  const std::size_t digits = dec.digits.size();
  // A key restricted to levels <= L holds q_0..q_L then P: the same limbs at level l <= L, the
  // special primes at another offset. Callers check the level with a message for the user.
  HNN_ASSERT(level <= key.max_level() && digits <= key.digits(), "switching key for levels <= ",
             key.max_level(), " used at level ", level);
  const std::size_t key_p_offset = key.special_offset();

  if (acc0.limbs() != ext_limbs || acc0.n() != n) acc0 = RnsPoly(n, ext_limbs, rns::Domain::Ntt, RnsPoly::Uninitialized{});
  if (acc1.limbs() != ext_limbs || acc1.n() != n) acc1 = RnsPoly(n, ext_limbs, rns::Domain::Ntt, RnsPoly::Uninitialized{});
  // Words [c0, c1) of each limb; the digits are read through the permutation at any index.
  rns::for_each_limb_part(ext_limbs, n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const std::size_t key_limb = i < limbs ? i : key_p_offset + (i - limbs);
    std::array<const uint64_t*, 64> x, b, a;  // dnum <= 64 (Parameters)
    for (std::size_t j = 0; j < digits; ++j) {
      x[j] = dec.digits[j].limb(i) + (perm ? 0 : c0);
      b[j] = key.b(j).limb(key_limb) + c0;
      a[j] = key.a(j).limb(key_limb) + c0;
    }
    rns::dot2_mod(digits, x.data(), b.data(), a.data(), perm ? perm->data() + c0 : nullptr, c1 - c0,
                  extended_modulus(ctx, limbs, i), acc0.limb(i) + c0, acc1.limb(i) + c0);
  });
  acc0.set_domain(rns::Domain::Ntt);
  acc1.set_domain(rns::Domain::Ntt);
}

void key_switch(const Context& ctx, const Decomposition& dec, const SwitchingKey& key,
                const std::vector<uint32_t>* perm, RnsPoly& out0, RnsPoly& out1) {
  RnsPoly acc0, acc1;
  key_switch_extended(ctx, dec, key, perm, acc0, acc1);
  mod_down(ctx, acc0, out0);
  mod_down(ctx, acc1, out1);
}

void add_times_p(const Context& ctx, RnsPoly& ext, const RnsPoly& x, const std::vector<uint32_t>* perm) {
  if (ext.on_device()) return gpu::add_times_p(ctx, ext, x, perm);
  const std::size_t n = ctx.n();
  const std::size_t limbs = x.limbs();
  HNN_ASSERT(ext.limbs() == limbs + ctx.special_count() && x.domain() == rns::Domain::Ntt,
             "add_times_p: operands at different levels");
  rns::for_each_limb_part(limbs, n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value;
    rns::add_mul_shoup_words(ext.limb(i) + c0, x.limb(i) + (perm ? 0 : c0), perm ? perm->data() + c0 : nullptr,
                             c1 - c0, ctx.p_mod_q(i), ctx.p_mod_q_shoup(i), q);
  });
}

}  // namespace hnn::ckks::detail
