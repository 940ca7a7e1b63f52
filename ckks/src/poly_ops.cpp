#include "poly_ops.h"

#include <gmpxx.h>

#include <cmath>

#include "gpu/gpu_ops.h"
#include "hnn/rns/error.h"
#include "hnn/rns/parallel.h"
#include "hnn/rns/simd.h"
#include "hnn/rns/modarith.h"

namespace hnn::ckks::detail {

void require_same_device(const RnsPoly& a, const RnsPoly& b, const char* what) {
  HNN_REQUIRE(a.device() == b.device(), what, ": operands on ", a.device().name(), " and ", b.device().name(),
              ": move both to one device first (hnn::ckks::to_device / to_host)");
}

void add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b) {
  if (a.on_device()) return gpu::add_inplace(ctx, a, b);
  require_same_device(a, b, "add");
  HNN_ASSERT(a.limbs() <= b.limbs(), "add: operand has fewer limbs");
  const std::size_t n = a.n();
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value;
    uint64_t* x = a.limb(i);
    const uint64_t* y = b.limb(i);
    for (std::size_t c = c0; c < c1; ++c) x[c] = rns::add_mod(x[c], y[c], q);
  });
}

void sub_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b) {
  if (a.on_device()) return gpu::sub_inplace(ctx, a, b);
  require_same_device(a, b, "sub");
  HNN_ASSERT(a.limbs() <= b.limbs(), "sub: operand has fewer limbs");
  const std::size_t n = a.n();
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value;
    uint64_t* x = a.limb(i);
    const uint64_t* y = b.limb(i);
    for (std::size_t c = c0; c < c1; ++c) x[c] = rns::sub_mod(x[c], y[c], q);
  });
}

void negate_inplace(const Context& ctx, RnsPoly& a) {
  if (a.on_device()) return gpu::negate_inplace(ctx, a);
  const std::size_t n = a.n();
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value;
    uint64_t* x = a.limb(i);
    for (std::size_t c = c0; c < c1; ++c) x[c] = rns::neg_mod(x[c], q);
  });
}

void mul_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b) {
  if (a.on_device()) return gpu::mul_inplace(ctx, a, b);
  require_same_device(a, b, "mul");
  HNN_ASSERT(a.limbs() <= b.limbs(), "mul: operand has fewer limbs");
  const std::size_t n = a.n();
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    rns::mul_mod_words(a.limb(i) + c0, b.limb(i) + c0, a.limb(i) + c0, c1 - c0, ctx.modulus(i));
  });
}

void mul(const Context& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out) {
  if (a.on_device()) return gpu::mul(ctx, a, b, out);
  require_same_device(a, b, "mul");
  require_same_device(a, out, "mul");
  HNN_ASSERT(out.limbs() <= a.limbs() && out.limbs() <= b.limbs(), "mul: operand has fewer limbs");
  const std::size_t n = a.n();
  rns::for_each_limb_part(out.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    rns::mul_mod_words(a.limb(i) + c0, b.limb(i) + c0, out.limb(i) + c0, c1 - c0, ctx.modulus(i));
  });
}

void mul_add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b, const RnsPoly& c) {
  if (a.on_device()) return gpu::mul_add_inplace(ctx, a, b, c);
  require_same_device(a, b, "mul_add");
  require_same_device(a, c, "mul_add");
  HNN_ASSERT(a.limbs() <= b.limbs() && a.limbs() <= c.limbs(), "mul_add: operand has fewer limbs");
  const std::size_t n = a.n();
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    rns::mul_add_mod_words(a.limb(i) + c0, b.limb(i) + c0, c.limb(i) + c0, c1 - c0, ctx.modulus(i));
  });
}

void tensor(const Context& ctx, const RnsPoly& a0, const RnsPoly& a1, const RnsPoly& b0, const RnsPoly& b1,
            RnsPoly& d0, RnsPoly& d1, RnsPoly& d2) {
  if (a0.on_device()) return gpu::tensor(ctx, a0, a1, b0, b1, d0, d1, d2);
  for (const RnsPoly* p : {&a1, &b0, &b1}) require_same_device(a0, *p, "multiply");
  const std::size_t n = ctx.n(), limbs = a0.limbs();
  d0 = a0.uninitialized_like(limbs);
  d1 = a0.uninitialized_like(limbs);
  d2 = a0.uninitialized_like(limbs);
  rns::for_each_limb_part(limbs, n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    rns::tensor_mod_words(a0.limb(i) + c0, a1.limb(i) + c0, b0.limb(i) + c0, b1.limb(i) + c0, d0.limb(i) + c0,
                          d1.limb(i) + c0, d2.limb(i) + c0, c1 - c0, ctx.modulus(i));
  });
}

void rescale_inplace(const Context& ctx, RnsPoly& poly) {
  if (poly.on_device()) return gpu::rescale_inplace(ctx, poly);
  const std::size_t n = ctx.n();
  HNN_ASSERT(poly.limbs() >= 2, "rescale at level 0");
  const std::size_t level = poly.limbs() - 1;
  const rns::Modulus& ql = ctx.modulus(level);
  const uint64_t half = ql.value >> 1;
  // The last limb back to coefficients, + floor(q_l / 2) so the division rounds to nearest.
  RnsPoly last(n, 1, rns::Domain::Ntt, RnsPoly::Uninitialized{});
  rns::copy_limbs(last.data(), poly.limb(level), 1, n);
  ntt::transform(ctx.plan({level}, ntt::Direction::Inverse), last.data());
  uint64_t* lw = last.data();
  rns::for_each_limb_part(1, n, [&](std::size_t, std::size_t c0, std::size_t c1) {
    for (std::size_t c = c0; c < c1; ++c) lw[c] = rns::add_mod(lw[c], half, ql.value);
  });
  const int l = static_cast<int>(level);
#pragma omp parallel
  {
    RnsPoly t(n, 1, rns::Domain::Coefficient, RnsPoly::Uninitialized{});  // one per thread, pooled
#pragma omp for
    for (std::ptrdiff_t ii = 0; ii < l; ++ii) {
      const std::size_t i = static_cast<std::size_t>(ii);
      const rns::Modulus& qi = ctx.modulus(i);
      // round(x / q_l) = (x_i - (((x_l + half) mod q_l) - half)) * q_l^{-1} mod q_i; the
      // subtrahend is formed coefficient-wise, then taken to the NTT domain mod q_i.
      const uint64_t half_i = rns::reduce_64(half, qi);
      uint64_t* tw = t.data();
      for (std::size_t c = 0; c < n; ++c) tw[c] = rns::sub_mod(rns::reduce_64(lw[c], qi), half_i, qi.value);
      ntt::transform(ctx.plan({i}, ntt::Direction::Forward), tw);
      rns::sub_mul_shoup_words(poly.limb(i), tw, poly.limb(i), n, ctx.inv_q_last(l, i), ctx.inv_q_last_shoup(l, i),
                               qi.value);
    }
  }
  poly.truncate_limbs(level);
}

void mul_scalar_inplace(const Context& ctx, RnsPoly& a, const std::vector<uint64_t>& scalars) {
  if (a.on_device()) return gpu::scalar_halves_inplace(ctx, a, ScalarOp::Mul, scalars, scalars);
  const std::size_t n = a.n();
  // Limbs in parallel, each through the vector kernel (the serial scalar loop before it took 5 % of
  // an encrypted DistilBERT sentence on 2 threads).
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value, w = scalars[i];
    rns::mul_shoup_words(a.limb(i) + c0, a.limb(i) + c0, c1 - c0, w, rns::shoup_precompute(w, q), q);
  });
}

void mul_scalar_add_inplace(const Context& ctx, RnsPoly& acc, const RnsPoly& a, const std::vector<uint64_t>& scalars) {
  require_same_device(acc, a, "multiply_const_add");
  HNN_ASSERT(acc.limbs() <= a.limbs() && acc.domain() == a.domain(), "multiply_const_add: operand has fewer limbs");
  if (acc.on_device()) return gpu::mul_scalar_add_inplace(ctx, acc, a, scalars);
  const std::size_t n = acc.n();
  rns::for_each_limb_part(acc.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value, w = scalars[i];
    rns::add_mul_shoup_words(acc.limb(i) + c0, a.limb(i) + c0, nullptr, c1 - c0, w, rns::shoup_precompute(w, q), q);
  });
}

void add_scalar_inplace(const Context& ctx, RnsPoly& a, const std::vector<uint64_t>& scalars) {
  if (a.on_device()) return gpu::scalar_halves_inplace(ctx, a, ScalarOp::Add, scalars, scalars);
  const std::size_t n = a.n();
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t q = ctx.modulus(i).value, s = scalars[i];
    uint64_t* x = a.limb(i);
    for (std::size_t c = c0; c < c1; ++c) x[c] = rns::add_mod(x[c], s, q);
  });
}

void to_ntt(const Context& ctx, RnsPoly& a) {
  if (a.on_device()) return gpu::to_ntt(ctx, a);
  HNN_ASSERT(a.domain() == rns::Domain::Coefficient, "to_ntt: already in the NTT domain");
  ntt::transform(ctx.plan_q(a.limbs(), ntt::Direction::Forward), a.data());
  a.set_domain(rns::Domain::Ntt);
}

void to_coeff(const Context& ctx, RnsPoly& a) {
  if (a.on_device()) return gpu::to_coeff(ctx, a);
  HNN_ASSERT(a.domain() == rns::Domain::Ntt, "to_coeff: already in the coefficient domain");
  ntt::transform(ctx.plan_q(a.limbs(), ntt::Direction::Inverse), a.data());
  a.set_domain(rns::Domain::Coefficient);
}

RnsPoly small_to_ntt(const Context& ctx, const int8_t* coeffs, const std::vector<std::size_t>& qp) {
  const std::size_t n = ctx.n();
  RnsPoly out(n, qp.size(), rns::Domain::Coefficient);
  for (std::size_t i = 0; i < qp.size(); ++i) {
    const uint64_t q = ctx.modulus(qp[i]).value;
    uint64_t* x = out.limb(i);
    for (std::size_t c = 0; c < n; ++c)
      x[c] = coeffs[c] >= 0 ? static_cast<uint64_t>(coeffs[c]) : q - static_cast<uint64_t>(-coeffs[c]);
  }
  ntt::transform(ctx.plan(qp, ntt::Direction::Forward), out.data());
  out.set_domain(rns::Domain::Ntt);
  return out;
}

void permute(const Context& ctx, const RnsPoly& a, const std::vector<uint32_t>& perm, RnsPoly& out) {
  if (a.on_device()) return gpu::permute(ctx, a, perm, out);
  require_same_device(a, out, "permute");
  const std::size_t n = a.n();
  HNN_ASSERT(out.limbs() == a.limbs() && perm.size() == n, "permute: shape mismatch");
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const uint64_t* x = a.limb(i);
    uint64_t* y = out.limb(i);
    for (std::size_t c = c0; c < c1; ++c) y[c] = x[perm[c]];
  });
  out.set_domain(a.domain());
}

std::vector<uint64_t> residues_of(const Context& ctx, int64_t v, std::size_t limbs) {
  std::vector<uint64_t> r(limbs);
  for (std::size_t i = 0; i < limbs; ++i) r[i] = rns::from_signed(v, ctx.modulus(i));
  return r;
}

namespace {
// round(x) mod modulus(index(i)) for i < count, written every `stride` words.
template <class Index>
void residues_of_rounded(const Context& ctx, double x, std::size_t count, Index index, uint64_t* out,
                         std::size_t stride) {
  HNN_REQUIRE(std::isfinite(x), "cannot encode a non-finite value (inf or NaN)");
  if (const auto v = rounded_int64(x)) {
    for (std::size_t i = 0; i < count; ++i) out[i * stride] = rns::from_signed(*v, ctx.modulus(index(i)));
    return;
  }
  mpz_class big, rem;
  mpz_set_d(big.get_mpz_t(), x);  // an integer already (|x| >= 9.0e18 > 2^52)
  for (std::size_t i = 0; i < count; ++i) {
    mpz_fdiv_r_ui(rem.get_mpz_t(), big.get_mpz_t(), static_cast<unsigned long>(ctx.modulus(index(i)).value));
    out[i * stride] = rem.get_ui();
  }
}
}  // namespace

void rounded_residues(const Context& ctx, double x, std::size_t limbs, uint64_t* out, std::size_t stride) {
  residues_of_rounded(ctx, x, limbs, [](std::size_t i) { return i; }, out, stride);
}

void rounded_residues(const Context& ctx, double x, std::span<const std::size_t> qp, uint64_t* out, std::size_t stride) {
  residues_of_rounded(ctx, x, qp.size(), [&](std::size_t i) { return qp[i]; }, out, stride);
}

std::vector<uint64_t> rounded_residues(const Context& ctx, double x, std::size_t limbs) {
  std::vector<uint64_t> out(limbs);
  rounded_residues(ctx, x, limbs, out.data(), 1);
  return out;
}

void constant_halves(const Context& ctx, double re, double im, std::size_t limbs, std::vector<uint64_t>& lo,
                     std::vector<uint64_t>& hi) {
  const std::vector<uint64_t> r = rounded_residues(ctx, re, limbs), m = rounded_residues(ctx, im, limbs);
  lo.resize(limbs);
  hi.resize(limbs);
  for (std::size_t i = 0; i < limbs; ++i) {
    const rns::Modulus& q = ctx.modulus(i);
    // NTT slot k holds the value at psi^(2 brev(k) + 1), where X^(N/2) is psi^(N/2) (-1)^brev(k):
    // +psi^(N/2) for k < N/2 (brev(k) even), its negative above.
    const uint64_t mi = rns::mul_mod(m[i], ctx.half_power_of_psi(i), q);
    lo[i] = rns::add_mod(r[i], mi, q.value);
    hi[i] = rns::sub_mod(r[i], mi, q.value);
  }
}

void scalar_halves_inplace(const Context& ctx, RnsPoly& a, ScalarOp op, const std::vector<uint64_t>& lo,
                           const std::vector<uint64_t>& hi) {
  if (a.on_device()) return gpu::scalar_halves_inplace(ctx, a, op, lo, hi);
  const bool multiply = op == ScalarOp::Mul;
  const std::size_t n = a.n(), half = n / 2;
  rns::for_each_limb_part(a.limbs(), n, [&](std::size_t i, std::size_t c0, std::size_t c1) {
    const rns::Modulus& q = ctx.modulus(i);
    uint64_t* x = a.limb(i);
    for (std::size_t c = c0; c < c1; ++c) {
      const uint64_t s = c < half ? lo[i] : hi[i];
      x[c] = multiply ? rns::mul_mod(x[c], s, q) : rns::add_mod(x[c], s, q.value);
    }
  });
}

RnsPoly constant_poly(const Context& ctx, double re, double im, std::size_t limbs) {
  std::vector<uint64_t> lo, hi;
  constant_halves(ctx, re, im, limbs, lo, hi);
  const std::size_t n = ctx.n();
  RnsPoly poly(n, limbs, rns::Domain::Ntt, RnsPoly::Uninitialized{});
  for (std::size_t i = 0; i < limbs; ++i) {
    std::fill(poly.limb(i), poly.limb(i) + n / 2, lo[i]);
    std::fill(poly.limb(i) + n / 2, poly.limb(i) + n, hi[i]);
  }
  return poly;
}

}  // namespace hnn::ckks::detail
