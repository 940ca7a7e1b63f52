// Element-wise kernels: one HNN_HD body per word, launched through for_each_word (a CUDA grid,
// or host loops on an emulated stream).
#include <cmath>
#include <vector>

#include "hnn/rns/cuda_poly.h"
#include "launch.cuh"

namespace hnn::cuda::poly {
namespace {

// acc += a * b in 128 bits (hi, lo).
HNN_HD void mul_acc(uint64_t& hi, uint64_t& lo, uint64_t a, uint64_t b) {
  uint64_t ph, pl;
  rns::mul_wide(a, b, ph, pl);
  lo += pl;
  hi += ph + (lo < pl);
}

struct BinaryBody {
  Op op;
  const uint64_t *a, *b;
  uint64_t* out;
  const rns::Modulus* moduli;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned c) const {
    const std::size_t k = limb * n + c;
    const rns::Modulus m = moduli[limb];
    switch (op) {
      case Op::Add: out[k] = rns::add_mod(a[k], b[k], m.value); break;
      case Op::Sub: out[k] = rns::sub_mod(a[k], b[k], m.value); break;
      case Op::Mul: out[k] = rns::mul_mod(a[k], b[k], m); break;
      case Op::Neg: out[k] = rns::neg_mod(a[k], m.value); break;
    }
  }
};

struct MulAddBody {
  const uint64_t *a, *b, *c;
  uint64_t* out;
  const rns::Modulus* moduli;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned i) const {
    const std::size_t k = limb * n + i;
    const rns::Modulus m = moduli[limb];
    out[k] = rns::add_mod(a[k], rns::mul_mod(b[k], c[k], m), m.value);
  }
};

struct TensorBody {
  const uint64_t *a0, *a1, *b0, *b1;
  uint64_t *d0, *d1, *d2;
  const rns::Modulus* moduli;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned i) const {
    const std::size_t k = limb * n + i;
    const rns::Modulus m = moduli[limb];
    const uint64_t x0 = a0[k], x1 = a1[k], y0 = b0[k], y1 = b1[k];
    // x0 y1 + x1 y0 with one reduction, as the CPU evaluator does (sum < 2^123).
    uint64_t hi = 0, lo = 0;
    mul_acc(hi, lo, x0, y1);
    mul_acc(hi, lo, x1, y0);
    d0[k] = rns::mul_mod(x0, y0, m);
    d1[k] = rns::reduce_128(hi, lo, m);
    d2[k] = rns::mul_mod(x1, y1, m);
  }
};

struct ScalarHalvesBody {
  Op op;
  uint64_t* a;
  LimbScalars lo, hi;
  const rns::Modulus* moduli;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned c) const {
    const std::size_t k = limb * n + c;
    const rns::Modulus m = moduli[limb];
    const uint64_t s = c < n / 2 ? lo.value[limb] : hi.value[limb];
    a[k] = op == Op::Mul ? rns::mul_mod(a[k], s, m) : rns::add_mod(a[k], s, m.value);
  }
};

struct PermuteBody {
  const uint64_t* in;
  const uint32_t* perm;
  uint64_t* out;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned c) const { out[limb * n + c] = in[limb * n + perm[c]]; }
};

struct SubMulShoupBody {
  const uint64_t *x, *y;
  uint64_t* out;
  LimbScalars w, ws;
  const rns::Modulus* moduli;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned c) const {
    const std::size_t k = limb * n + c;
    const uint64_t q = moduli[limb].value;
    out[k] = rns::mul_shoup(x[k] + q - y[k], w.value[limb], ws.value[limb], q);
  }
};

struct AddMulShoupPermutedBody {
  uint64_t* ext;
  const uint64_t* x;
  const uint32_t* perm;
  LimbScalars w, ws;
  const rns::Modulus* moduli;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned c) const {
    const std::size_t k = limb * n + c;
    const uint64_t q = moduli[limb].value;
    const uint64_t v = x[limb * n + (perm ? perm[c] : c)];
    ext[k] = rns::add_mod(ext[k], rns::mul_shoup(v, w.value[limb], ws.value[limb], q), q);
  }
};

struct RescaleSubtrahendBody {
  const uint64_t* last;
  uint64_t* out;
  rns::Modulus q_last;
  const rns::Modulus* moduli;
  std::size_t n;
  HNN_HD void operator()(unsigned limb, unsigned c) const {
    const rns::Modulus qi = moduli[limb];
    const uint64_t half = q_last.value >> 1;
    const uint64_t shifted = rns::add_mod(last[c], half, q_last.value);
    out[limb * n + c] = rns::sub_mod(rns::reduce_64(shifted, qi), rns::reduce_64(half, qi), qi.value);
  }
};

struct InnerProductBody {
  PolyPointers ext, key_b, key_a;
  std::size_t digits;
  const uint32_t* perm;
  uint64_t *out0, *out1;
  const rns::Modulus* moduli;
  LimbMap map;
  std::size_t n;
  HNN_HD void operator()(unsigned t, unsigned c) const {
    const std::size_t src = perm ? perm[c] : c;
    const std::size_t key_off = map.position[t] * n + c;
    // Each product < 2^122 and at most 32 digits: the 128-bit sums cannot wrap.
    uint64_t h0 = 0, l0 = 0, h1 = 0, l1 = 0;
    for (std::size_t j = 0; j < digits; ++j) {
      const uint64_t x = ext.p[j][t * n + src];
      mul_acc(h0, l0, x, key_b.p[j][key_off]);
      mul_acc(h1, l1, x, key_a.p[j][key_off]);
    }
    const rns::Modulus m = moduli[map.table[t]];
    out0[t * n + c] = rns::reduce_128(h0, l0, m);
    out1[t * n + c] = rns::reduce_128(h1, l1, m);
  }
};

struct SumOfProductsBody {
  const uint64_t* const* terms;
  std::size_t count;
  uint64_t *out0, *out1;
  const rns::Modulus* moduli;
  LimbMap map;
  std::size_t n;
  HNN_HD void operator()(unsigned t, unsigned c) const {
    const std::size_t k = t * n + c;
    uint64_t h0 = 0, l0 = 0, h1 = 0, l1 = 0;
    for (std::size_t j = 0; j < count; ++j) {
      const uint64_t w = terms[3 * j][k];
      mul_acc(h0, l0, w, terms[3 * j + 1][k]);
      mul_acc(h1, l1, w, terms[3 * j + 2][k]);
    }
    const rns::Modulus m = moduli[map.table[t]];
    out0[k] = rns::reduce_128(h0, l0, m);
    out1[k] = rns::reduce_128(h1, l1, m);
  }
};

struct AddPermutedBody {
  uint64_t* acc;
  const uint64_t *x, *y;
  const uint32_t* perm;
  const rns::Modulus* moduli;
  LimbMap map;
  std::size_t n;
  HNN_HD void operator()(unsigned t, unsigned c) const {
    const std::size_t k = t * n + c;
    const uint64_t q = moduli[map.table[t]].value;
    uint64_t z = rns::add_mod(acc[k], x[t * n + (perm ? perm[c] : c)], q);
    if (y) z = rns::add_mod(z, y[k], q);
    acc[k] = z;
  }
};

void check_scalar_limbs(std::size_t limbs, const char* what) {
  HNN_ASSERT(limbs <= LimbScalars::kMax, what, ": ", limbs, " limbs exceed LimbScalars::kMax = ", LimbScalars::kMax);
}

}  // namespace

void binary(Op op, const uint64_t* a, const uint64_t* b, uint64_t* out, const rns::Modulus* moduli,
            std::size_t limbs, std::size_t n, const Stream& stream) {
  for_each_word(stream, limbs, n, BinaryBody{op, a, op == Op::Neg ? a : b, out, moduli, n}, "binary kernel");
}

void mul_add(const uint64_t* a, const uint64_t* b, const uint64_t* c, uint64_t* out,
             const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream) {
  for_each_word(stream, limbs, n, MulAddBody{a, b, c, out, moduli, n}, "mul_add kernel");
}

void tensor(const uint64_t* a0, const uint64_t* a1, const uint64_t* b0, const uint64_t* b1,
            uint64_t* d0, uint64_t* d1, uint64_t* d2, const rns::Modulus* moduli, std::size_t limbs,
            std::size_t n, const Stream& stream) {
  for_each_word(stream, limbs, n, TensorBody{a0, a1, b0, b1, d0, d1, d2, moduli, n}, "tensor kernel");
}

void scalar_halves(Op op, uint64_t* a, const LimbScalars& lo, const LimbScalars& hi,
                   const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream) {
  HNN_ASSERT(op == Op::Add || op == Op::Mul, "scalar_halves adds or multiplies");
  check_scalar_limbs(limbs, "scalar_halves");
  for_each_word(stream, limbs, n, ScalarHalvesBody{op, a, lo, hi, moduli, n}, "scalar kernel");
}

void permute(const uint64_t* in, const uint32_t* perm, uint64_t* out, std::size_t limbs, std::size_t n,
             const Stream& stream) {
  for_each_word(stream, limbs, n, PermuteBody{in, perm, out, n}, "permute kernel");
}

void sub_mul_shoup(const uint64_t* x, const uint64_t* y, uint64_t* out, const LimbScalars& w,
                   const LimbScalars& ws, const rns::Modulus* moduli, std::size_t limbs, std::size_t n,
                   const Stream& stream) {
  check_scalar_limbs(limbs, "sub_mul_shoup");
  for_each_word(stream, limbs, n, SubMulShoupBody{x, y, out, w, ws, moduli, n}, "sub_mul_shoup kernel");
}

void add_mul_shoup_permuted(uint64_t* ext, const uint64_t* x, const uint32_t* perm, const LimbScalars& w,
                            const LimbScalars& ws, const rns::Modulus* moduli, std::size_t limbs,
                            std::size_t n, const Stream& stream) {
  check_scalar_limbs(limbs, "add_mul_shoup_permuted");
  for_each_word(stream, limbs, n, AddMulShoupPermutedBody{ext, x, perm, w, ws, moduli, n}, "add_times_p kernel");
}

void rescale_subtrahend(const uint64_t* last, uint64_t* out, const rns::Modulus& q_last,
                        const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream) {
  for_each_word(stream, limbs, n, RescaleSubtrahendBody{last, out, q_last, moduli, n}, "rescale kernel");
}

void key_switch_inner_product(const PolyPointers& ext, const PolyPointers& key_b, const PolyPointers& key_a,
                              std::size_t digits, const uint32_t* perm, uint64_t* out0, uint64_t* out1,
                              const rns::Modulus* moduli, const LimbMap& map, std::size_t n,
                              const Stream& stream) {
  HNN_ASSERT(digits >= 1 && digits <= PolyPointers::kMax, "inner product over ", digits, " digits");
  for_each_word(stream, map.count, n, InnerProductBody{ext, key_b, key_a, digits, perm, out0, out1, moduli, map, n},
                "key-switching inner product");
}

void sum_of_products(const uint64_t* const* terms, std::size_t count, uint64_t* out0, uint64_t* out1,
                     const rns::Modulus* moduli, const LimbMap& map, std::size_t n, const Stream& stream) {
  HNN_ASSERT(count <= 256, "sum_of_products: 128-bit sums hold at most 256 products of 60-bit words");
  for_each_word(stream, map.count, n, SumOfProductsBody{terms, count, out0, out1, moduli, map, n}, "sum_of_products kernel");
}

void add_permuted(uint64_t* acc, const uint64_t* x, const uint32_t* perm, const uint64_t* y,
                  const rns::Modulus* moduli, const LimbMap& map, std::size_t n, const Stream& stream) {
  for_each_word(stream, map.count, n, AddPermutedBody{acc, x, y, perm, moduli, map, n}, "add_permuted kernel");
}

}  // namespace hnn::cuda::poly

namespace hnn::cuda {

namespace {

template <class T>
DeviceBuffer upload_vector(const std::vector<T>& v, const Stream& stream) {
  DeviceBuffer buf(v.size() * sizeof(T), stream);
  buf.upload(v.data(), buf.size(), stream);
  return buf;
}

// sum + y * inv rounded as the CPU's loop does: no fused multiply-add on the device either.
HNN_HD double add_product(double sum, double y, double inv) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(sum, __dmul_rn(y, inv));
#else
  return sum + y * inv;
#endif
}

// Fast base conversion of coefficient c, for the targets of row `r` (kTargetsPerThread of them):
// rns::BaseConverter's arithmetic (y_i = x_i (A/a_i)^{-1} mod a_i; out_j = sum_i y_i (A/a_i mod
// b_j) [+ v (b_j - A mod b_j)] reduced once, v = round(sum_i y_i / a_i) when centered).
struct BaseConvertBody {
  static constexpr unsigned kTargetsPerThread = 4;
  bool centered;
  const uint64_t* in;
  uint64_t* out;
  LimbMap out_positions;
  const rns::Modulus *from, *to;
  const uint64_t *qhat_inv, *qhat_inv_shoup, *ahat_mod_b, *a_mod_b;
  const double* inv_a;
  std::size_t k, m, n;
  // Each y_i is used as soon as it is made, by the row's (at most 4) accumulators, so nothing is
  // kept in a per-thread array (which would live in local memory).
  HNN_HD void operator()(unsigned r, unsigned c) const {
    const std::size_t j0 = r * kTargetsPerThread;
    const std::size_t count = m - j0 < kTargetsPerThread ? m - j0 : kTargetsPerThread;
    if (k == 1) {
      // A single source prime a: y = x, and centered, values above a/2 stand for x - a.
      const uint64_t y = rns::mul_shoup(in[c], qhat_inv[0], qhat_inv_shoup[0], from[0].value);
      const bool negative = centered && y > (from[0].value >> 1);
      for (std::size_t t = 0; t < count; ++t) {
        const std::size_t j = j0 + t;
        const uint64_t v = rns::reduce_64(y, to[j]);
        out[out_positions.position[j] * n + c] = negative ? rns::sub_mod(v, a_mod_b[j], to[j].value) : v;
      }
      return;
    }
    uint64_t hi[kTargetsPerThread] = {}, lo[kTargetsPerThread] = {};
    double frac = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const uint64_t y = rns::mul_shoup(in[i * n + c], qhat_inv[i], qhat_inv_shoup[i], from[i].value);
      if (centered) frac = add_product(frac, static_cast<double>(y), inv_a[i]);
#pragma unroll
      for (unsigned t = 0; t < kTargetsPerThread; ++t)
        if (t < count) poly::mul_acc(hi[t], lo[t], y, ahat_mod_b[(j0 + t) * k + i]);
    }
    const uint64_t v = centered ? static_cast<uint64_t>(llround(frac)) : 0;
#pragma unroll
    for (unsigned t = 0; t < kTargetsPerThread; ++t) {
      if (t >= count) continue;
      const std::size_t j = j0 + t;
      const rns::Modulus bj = to[j];
      // - v A mod b_j joins the sum as v (b_j - A mod b_j), as on the CPU: one reduction for both.
      if (centered) poly::mul_acc(hi[t], lo[t], v, a_mod_b[j] == 0 ? 0 : bj.value - a_mod_b[j]);
      out[out_positions.position[j] * n + c] = rns::reduce_128(hi[t], lo[t], bj);
    }
  }
};

}  // namespace

DeviceBaseConverter::DeviceBaseConverter(const rns::BaseConverter& conv, const Stream& stream)
    : k_(conv.from().size()), m_(conv.to().size()) {
  HNN_ASSERT(k_ >= 1 && k_ <= kMaxSources, "device base conversion from ", k_, " primes (at most ", kMaxSources, ")");
  HNN_ASSERT(m_ <= LimbMap::kMaxLimbs, "device base conversion to ", m_, " primes");
  std::vector<uint64_t> qi(k_), qis(k_);
  for (std::size_t i = 0; i < k_; ++i) {
    qi[i] = conv.from().qhat_inv(i);
    qis[i] = conv.from().qhat_inv_shoup(i);
  }
  from_ = upload_vector(conv.from().moduli(), stream);
  to_ = upload_vector(conv.to().moduli(), stream);
  qhat_inv_ = upload_vector(qi, stream);
  qhat_inv_shoup_ = upload_vector(qis, stream);
  ahat_mod_b_ = upload_vector(conv.ahat_mod_b(), stream);
  a_mod_b_ = upload_vector(conv.a_mod_b(), stream);
  inv_a_ = upload_vector(conv.inv_a(), stream);
  stream.synchronize();  // the host vectors go out of scope
}

void DeviceBaseConverter::run(bool centered, const uint64_t* in, uint64_t* out, const LimbMap& out_positions,
                              std::size_t n, const Stream& stream) const {
  HNN_ASSERT(out_positions.count == m_, "base conversion to ", m_, " primes given ", out_positions.count, " positions");
  const std::size_t rows = (m_ + BaseConvertBody::kTargetsPerThread - 1) / BaseConvertBody::kTargetsPerThread;
  for_each_word(stream, rows, n,
                BaseConvertBody{centered, in, out, out_positions, from_.as<rns::Modulus>(), to_.as<rns::Modulus>(),
                                qhat_inv_.as<uint64_t>(), qhat_inv_shoup_.as<uint64_t>(), ahat_mod_b_.as<uint64_t>(),
                                a_mod_b_.as<uint64_t>(), inv_a_.as<double>(), k_, m_, n},
                "base conversion");
}

void DeviceBaseConverter::convert(const uint64_t* in, uint64_t* out, std::size_t n, const Stream& stream) const {
  run(false, in, out, LimbMap::contiguous(m_), n, stream);
}

void DeviceBaseConverter::convert_centered(const uint64_t* in, uint64_t* out, std::size_t n,
                                           const Stream& stream) const {
  run(true, in, out, LimbMap::contiguous(m_), n, stream);
}

void DeviceBaseConverter::convert_centered(const uint64_t* in, uint64_t* out, const LimbMap& out_positions,
                                           std::size_t n, const Stream& stream) const {
  run(true, in, out, out_positions, n, stream);
}

}  // namespace hnn::cuda
