// The CUDA backend of the detail operations: the CPU algorithms step by step, each step a kernel
// of hnn/rns/cuda_poly.h or the device NTT, ordered on the device context's stream. No host round
// trip inside an operation: only per-limb constants (a few words) travel as kernel arguments.
#include "gpu_ops.h"

#include "encode_kernels.h"
#include "hnn/rns/error.h"

namespace hnn::ckks::detail::gpu {

using cuda::LimbMap;
using cuda::poly::LimbScalars;
using cuda::poly::Op;
using cuda::poly::PolyPointers;

namespace {

LimbScalars scalars(const std::vector<uint64_t>& v, std::size_t limbs) {
  HNN_ASSERT(limbs <= LimbScalars::kMax && v.size() >= limbs, "per-limb constants for ", limbs, " limbs");
  LimbScalars s{};
  for (std::size_t i = 0; i < limbs; ++i) s.value[i] = v[i];
  return s;
}

void copy_limbs(uint64_t* dst, const uint64_t* src, std::size_t limbs, std::size_t n, const cuda::Stream& s) {
  cuda::copy_device_to_device(dst, src, limbs * n * sizeof(uint64_t), s);
}

void binary_inplace(const Context& ctx, Op op, RnsPoly& a, const RnsPoly& b, const char* what) {
  require_same_device(a, b, what);
  HNN_ASSERT(a.limbs() <= b.limbs(), what, ": operand has fewer limbs");
  const auto& dc = device_of(ctx, a);
  cuda::poly::binary(op, a.device_data(), b.device_data(), a.device_data(), dc.moduli(), a.limbs(), a.n(), dc.stream());
}

}  // namespace

const ckks::gpu::DeviceContext& device_of(const Context& ctx, const RnsPoly& a) {
  HNN_ASSERT(a.on_device(), "a host polynomial reached the CUDA backend");
  return ctx.device_context(a.device());
}

void add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b) { binary_inplace(ctx, Op::Add, a, b, "add"); }
void sub_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b) { binary_inplace(ctx, Op::Sub, a, b, "sub"); }
void mul_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b) { binary_inplace(ctx, Op::Mul, a, b, "mul"); }
void negate_inplace(const Context& ctx, RnsPoly& a) { binary_inplace(ctx, Op::Neg, a, a, "negate"); }

void mul(const Context& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out) {
  require_same_device(a, b, "mul");
  require_same_device(a, out, "mul");
  HNN_ASSERT(out.limbs() <= a.limbs() && out.limbs() <= b.limbs(), "mul: operand has fewer limbs");
  const auto& dc = device_of(ctx, a);
  cuda::poly::binary(Op::Mul, a.device_data(), b.device_data(), out.device_data(), dc.moduli(), out.limbs(), a.n(), dc.stream());
}

void mul_add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b, const RnsPoly& c) {
  require_same_device(a, b, "mul_add");
  require_same_device(a, c, "mul_add");
  HNN_ASSERT(a.limbs() <= b.limbs() && a.limbs() <= c.limbs(), "mul_add: operand has fewer limbs");
  const auto& dc = device_of(ctx, a);
  cuda::poly::mul_add(a.device_data(), b.device_data(), c.device_data(), a.device_data(), dc.moduli(), a.limbs(), a.n(), dc.stream());
}

void scalar_halves_inplace(const Context& ctx, RnsPoly& a, ScalarOp op, const std::vector<uint64_t>& lo,
                           const std::vector<uint64_t>& hi) {
  const auto& dc = device_of(ctx, a);
  cuda::poly::scalar_halves(op == ScalarOp::Mul ? Op::Mul : Op::Add, a.device_data(), scalars(lo, a.limbs()),
                            scalars(hi, a.limbs()), dc.moduli(), a.limbs(), a.n(), dc.stream());
}

// The checks are detail::mul_scalar_add_inplace's, made before it forwards here.
void mul_scalar_add_inplace(const Context& ctx, RnsPoly& acc, const RnsPoly& a, const std::vector<uint64_t>& values) {
  const std::size_t limbs = acc.limbs();
  std::vector<uint64_t> shoup(limbs);
  for (std::size_t i = 0; i < limbs; ++i) shoup[i] = rns::shoup_precompute(values[i], ctx.modulus(i).value);
  const auto& dc = device_of(ctx, acc);
  cuda::poly::add_mul_shoup_permuted(acc.device_data(), a.device_data(), nullptr, scalars(values, limbs),
                                     scalars(shoup, limbs), dc.moduli(), limbs, acc.n(), dc.stream());
}

void to_ntt(const Context& ctx, RnsPoly& a) {
  HNN_ASSERT(a.domain() == rns::Domain::Coefficient, "to_ntt: already in the NTT domain");
  const auto& dc = device_of(ctx, a);
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Forward, a.device_data(), LimbMap::contiguous(a.limbs()), dc.stream());
  a.set_domain(rns::Domain::Ntt);
}

void to_coeff(const Context& ctx, RnsPoly& a) {
  HNN_ASSERT(a.domain() == rns::Domain::Ntt, "to_coeff: already in the coefficient domain");
  const auto& dc = device_of(ctx, a);
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Inverse, a.device_data(), LimbMap::contiguous(a.limbs()), dc.stream());
  a.set_domain(rns::Domain::Coefficient);
}

void permute(const Context& ctx, const RnsPoly& a, const std::vector<uint32_t>& perm, RnsPoly& out) {
  require_same_device(a, out, "permute");
  HNN_ASSERT(out.limbs() == a.limbs() && a.device_data() != out.device_data(), "permute: output must be a distinct poly of ", a.limbs(), " limbs");
  const auto& dc = device_of(ctx, a);
  cuda::poly::permute(a.device_data(), dc.permutation(perm), out.device_data(), a.limbs(), a.n(), dc.stream());
  out.set_domain(a.domain());
}

void tensor(const Context& ctx, const RnsPoly& a0, const RnsPoly& a1, const RnsPoly& b0, const RnsPoly& b1,
            RnsPoly& d0, RnsPoly& d1, RnsPoly& d2) {
  for (const RnsPoly* p : {&a1, &b0, &b1}) require_same_device(a0, *p, "multiply");
  const auto& dc = device_of(ctx, a0);
  const std::size_t limbs = a0.limbs();
  d0 = dc.make_poly(limbs, rns::Domain::Ntt);
  d1 = dc.make_poly(limbs, rns::Domain::Ntt);
  d2 = dc.make_poly(limbs, rns::Domain::Ntt);
  cuda::poly::tensor(a0.device_data(), a1.device_data(), b0.device_data(), b1.device_data(), d0.device_data(), d1.device_data(), d2.device_data(), dc.moduli(),
                     limbs, a0.n(), dc.stream());
}

void rescale_inplace(const Context& ctx, RnsPoly& a) {
  const auto& dc = device_of(ctx, a);
  const cuda::Stream& s = dc.stream();
  const std::size_t n = a.n();
  const std::size_t level = a.limbs() - 1;
  HNN_ASSERT(level >= 1, "rescale at level 0");
  // The last limb back to coefficients; its centered residue, spread to the other limbs and taken
  // to the NTT domain, is subtracted before multiplying by q_l^{-1} (as the CPU's loop does).
  RnsPoly last = dc.make_poly(1, rns::Domain::Ntt);
  copy_limbs(last.device_data(), a.device_limb(level), 1, n, s);
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Inverse, last.device_data(), LimbMap::of({0}, {level}), s);
  RnsPoly t = dc.make_poly(level, rns::Domain::Coefficient);
  cuda::poly::rescale_subtrahend(last.device_data(), t.device_data(), ctx.modulus(level), dc.moduli(), level, n, s);
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Forward, t.device_data(), LimbMap::contiguous(level), s);
  const auto& w = dc.inv_q_last(static_cast<int>(level));
  cuda::poly::sub_mul_shoup(a.device_data(), t.device_data(), a.device_data(), w.w, w.ws, dc.moduli(), level, n, s);
  a.truncate_limbs(level);
}

Decomposition decompose(const Context& ctx, const RnsPoly& d) {
  HNN_ASSERT(d.domain() == rns::Domain::Ntt, "key switching expects the NTT domain");
  const auto& dc = device_of(ctx, d);
  const cuda::Stream& s = dc.stream();
  const std::size_t n = ctx.n();
  const int level = static_cast<int>(d.limbs()) - 1;
  const std::size_t ext_limbs = d.limbs() + ctx.special_count();
  RnsPoly coeff = d.clone();
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Inverse, coeff.device_data(), LimbMap::contiguous(d.limbs()), s);
  Decomposition out;
  out.level = level;
  for (int j = 0; j < ctx.digits_at_level(level); ++j) {
    const auto& step = ctx.mod_up_step(level, j);
    RnsPoly ext = dc.make_poly(ext_limbs, rns::Domain::Ntt);  // fully written below
    // The digit's own limbs are d's, already in the NTT domain; the others are converted from the
    // digit's coefficients straight into their places, then taken to the NTT domain there.
    copy_limbs(ext.device_limb(step.begin), d.device_limb(step.begin), step.end - step.begin, n, s);
    const LimbMap& targets = dc.mod_up_targets(level, j);
    dc.mod_up(level, j).convert_centered(coeff.device_limb(step.begin), ext.device_data(), targets, n, s);
    ntt::cuda::transform(dc.ntt(), ntt::Direction::Forward, ext.device_data(), targets, s);
    out.digits.push_back(std::move(ext));
  }
  return out;
}

void key_switch_extended(const Context& ctx, const Decomposition& dec, const SwitchingKey& key,
                         const std::vector<uint32_t>* perm, RnsPoly& acc0, RnsPoly& acc1) {
  const auto& dc = device_of(ctx, dec.digits.at(0));
  const int level = dec.level;
  const std::size_t limbs = static_cast<std::size_t>(level) + 1;
  const std::size_t ext_limbs = limbs + ctx.special_count();
  const std::size_t digits = dec.digits.size();
  HNN_ASSERT(level <= key.max_level() && digits <= key.digits(), "switching key for levels <= ",
             key.max_level(), " used at level ", level);
  HNN_ASSERT(digits <= PolyPointers::kMax, digits, " digits exceed PolyPointers::kMax");
  PolyPointers ext{}, kb{}, ka{};
  for (std::size_t j = 0; j < digits; ++j) {
    ext.p[j] = dec.digits[j].device_data();
    kb.p[j] = key.b(j).device_data();
    ka.p[j] = key.a(j).device_data();
  }
  // The extended limbs' primes; their limbs in the key: q_0..q_l, then its special primes (at an
  // offset in a key restricted to lower levels).
  LimbMap key_map = dc.extended(level);
  for (std::size_t t = limbs; t < ext_limbs; ++t)
    key_map.position[t] = static_cast<uint16_t>(key.special_offset() + (t - limbs));
  for (std::size_t j = 0; j < digits; ++j) {
    require_same_device(dec.digits[0], dec.digits[j], "key switch (its digits)");
    require_same_device(dec.digits[0], key.b(j), "key switch (the switching key)");
    require_same_device(dec.digits[0], key.a(j), "key switch (the switching key)");
  }
  const rns::Device device = dec.digits[0].device();
  if (acc0.device() != device || acc0.limbs() != ext_limbs) acc0 = dc.make_poly(ext_limbs, rns::Domain::Ntt);
  if (acc1.device() != device || acc1.limbs() != ext_limbs) acc1 = dc.make_poly(ext_limbs, rns::Domain::Ntt);
  cuda::poly::key_switch_inner_product(ext, kb, ka, digits, perm ? dc.permutation(*perm) : nullptr, acc0.device_data(),
                                       acc1.device_data(), dc.moduli(), key_map, ctx.n(),
                                       dc.stream());
  acc0.set_domain(rns::Domain::Ntt);
  acc1.set_domain(rns::Domain::Ntt);
}

void add_times_p(const Context& ctx, RnsPoly& ext, const RnsPoly& x, const std::vector<uint32_t>* perm) {
  require_same_device(ext, x, "add_times_p");
  const std::size_t limbs = x.limbs();
  HNN_ASSERT(ext.limbs() == limbs + ctx.special_count() && x.domain() == rns::Domain::Ntt,
             "add_times_p: operands at different levels");
  const auto& dc = device_of(ctx, ext);
  cuda::poly::add_mul_shoup_permuted(ext.device_data(), x.device_data(), perm ? dc.permutation(*perm) : nullptr,
                                     dc.p_mod_q().w, dc.p_mod_q().ws, dc.moduli(), limbs, ctx.n(), dc.stream());
}

void divide_by_special(const Context& ctx, const RnsPoly& ext, RnsPoly& out, bool rescale) {
  const auto& dc = device_of(ctx, ext);
  const cuda::Stream& s = dc.stream();
  const std::size_t n = ctx.n();
  const std::size_t k = ctx.special_count();
  const int level = static_cast<int>(ext.limbs() - k) - 1;
  HNN_ASSERT(!rescale || level >= 1, "mod_down_rescale at level 0");
  const std::size_t limbs = static_cast<std::size_t>(level) + (rescale ? 0 : 1);
  const std::size_t div = k + (rescale ? 1 : 0);
  // x mod D (the P limbs, then q_l when rescaling) to coefficients, converted (centered) to the
  // output limbs, back to the NTT domain; then z_i = (x_i - [x]_D) D^{-1}.
  RnsPoly d_part = dc.make_poly(div, rns::Domain::Ntt);
  copy_limbs(d_part.device_data(), ext.device_limb(static_cast<std::size_t>(level) + 1), k, n, s);
  // The divisor's primes: the special ones (an extended polynomial's last k limbs), then q_l.
  LimbMap d_map = LimbMap::contiguous(div);
  for (std::size_t j = 0; j < k; ++j) d_map.table[j] = static_cast<uint16_t>(ctx.p_index(j));
  if (rescale) {
    copy_limbs(d_part.device_limb(k), ext.device_limb(static_cast<std::size_t>(level)), 1, n, s);
    d_map.table[k] = static_cast<uint16_t>(level);
  }
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Inverse, d_part.device_data(), d_map, s);
  RnsPoly conv = dc.make_poly(limbs, rns::Domain::Coefficient);
  (rescale ? dc.mod_down_rescale(level) : dc.mod_down(level)).convert_centered(d_part.device_data(), conv.device_data(), n, s);
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Forward, conv.device_data(), LimbMap::contiguous(limbs), s);
  if (!out.on_device() || out.device() != dc.device() || out.limbs() != limbs || out.n() != n)
    out = dc.make_poly(limbs, rns::Domain::Ntt);
  const auto& w = rescale ? dc.pq_last_inv(level) : dc.p_inv_mod_q();
  cuda::poly::sub_mul_shoup(ext.device_data(), conv.device_data(), out.device_data(), w.w, w.ws, dc.moduli(), limbs, n, s);
  out.set_domain(rns::Domain::Ntt);
}

void sum_of_products(const Context& ctx, std::size_t q_limbs,
                     const std::vector<std::pair<std::size_t, RnsPoly>>& terms,
                     const std::vector<std::array<RnsPoly, 2>>& babies, RnsPoly& s0, RnsPoly& s1) {
  const auto& dc = device_of(ctx, s0);
  // The (plaintext, baby c0, baby c1) pointers of every term, uploaded once for the kernel.
  require_same_device(s0, s1, "linear transform (its sums)");
  std::vector<const uint64_t*> table;
  table.reserve(3 * terms.size());
  for (const auto& [bi, pt] : terms) {
    require_same_device(s0, pt, "linear transform (its plaintexts)");
    require_same_device(s0, babies[bi][0], "linear transform");
    require_same_device(s0, babies[bi][1], "linear transform");
    table.push_back(pt.device_data());
    table.push_back(babies[bi][0].device_data());
    table.push_back(babies[bi][1].device_data());
  }
  cuda::DeviceBuffer pointers(table.size() * sizeof(const uint64_t*), dc.stream());
  pointers.upload(table.data(), pointers.size(), dc.stream());
  cuda::poly::sum_of_products(pointers.as<const uint64_t*>(), terms.size(), s0.device_data(), s1.device_data(), dc.moduli(),
                              dc.extended(static_cast<int>(q_limbs) - 1), ctx.n(), dc.stream());
}

void add_extended(const Context& ctx, std::size_t q_limbs, RnsPoly& acc, const RnsPoly& x,
                  const std::vector<uint32_t>* perm, const RnsPoly* y) {
  require_same_device(acc, x, "add_extended");
  if (y) require_same_device(acc, *y, "add_extended");
  const auto& dc = device_of(ctx, acc);
  cuda::poly::add_permuted(acc.device_data(), x.device_data(), perm ? dc.permutation(*perm) : nullptr, y ? y->device_data() : nullptr,
                           dc.moduli(), dc.extended(static_cast<int>(q_limbs) - 1), ctx.n(), dc.stream());
}

RnsPoly encode(const Context& ctx, std::span<const std::complex<double>> values, double scale, std::size_t limbs,
               rns::Device device) {
  const auto& dc = ctx.device_context(device);
  const cuda::Stream& s = dc.stream();
  const std::size_t n = ctx.n(), slots = values.size(), gap = (n / 2) / slots;
  // The slots go up (16 bytes each), the FFT, rounding and residues run there, then the NTT.
  cuda::DeviceBuffer v(slots * sizeof(std::complex<double>), s);
  v.upload(values.data(), v.size(), s);
  ckks::gpu::special_inverse_fft_stages(v.as<double>(), slots, dc.rot_group(), dc.ksi_pows(), 2 * n, s);
  RnsPoly poly = dc.make_poly(limbs, rns::Domain::Coefficient);
  if (gap > 1) poly.zero();
  const LimbMap tables = LimbMap::contiguous(limbs);
  ckks::gpu::place_rounded(v.as<double>(), slots, scale, gap, poly.device_data(), dc.moduli(), tables, n, s);
  ntt::cuda::transform(dc.ntt(), ntt::Direction::Forward, poly.device_data(), tables, s);
  poly.set_domain(rns::Domain::Ntt);
  return poly;
}

}  // namespace hnn::ckks::detail::gpu
