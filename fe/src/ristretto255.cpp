// ristretto255 on extended twisted-Edwards coordinates (a = -1, d = -121665/121666).
// Formulas: Hisil, Wong, Carter, Dawson, "Twisted Edwards Curves Revisited" (Asiacrypt 2008),
// add-2008-hwcd-3 (complete for a = -1 with non-square d) and dbl-2008-hwcd.
// Encoding, decoding and equality: RFC 9496 sections 4.3.1-4.3.3.
#include "hnn/fe/ristretto255.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "field25519.h"
#include "hnn/rns/error.h"

namespace hnn::fe {
namespace {

using detail::Fe;
using namespace detail;  // NOLINT: the field helpers are this file's vocabulary

Fe fe_from_decimal(const char* s) {
  Fe r = fe_zero();
  const Fe ten = Fe{{10, 0, 0, 0, 0}};
  for (; *s; ++s) r = fe_add(fe_mul(r, ten), Fe{{static_cast<uint64_t>(*s - '0'), 0, 0, 0, 0}});
  return r;
}

struct Constants {
  Fe d, d2, sqrt_m1, sqrt_ad_minus_one, invsqrt_a_minus_d, one_minus_d_sq, d_minus_one_sq;
  Constants() {
    // RFC 9496 section 4.1.
    d = fe_from_decimal(
        "37095705934669439343138083508754565189542113879843219016388785533085940283555");
    d2 = fe_add(d, d);
    sqrt_m1 = fe_from_decimal(
        "19681161376707505956807079304988542015446066515923890162744021073123829784752");
    sqrt_ad_minus_one = fe_from_decimal(
        "25063068953384623474111414158702152701244531502492656460079210482610430750235");
    invsqrt_a_minus_d = fe_from_decimal(
        "54469307008909316920995813868745141605393597292927456921205312896311721017578");
    one_minus_d_sq = fe_sub(fe_one(), fe_sq(d));
    d_minus_one_sq = fe_sq(fe_sub(d, fe_one()));
  }
};
const Constants& k() {
  static const Constants c;
  return c;
}

inline Fe to_fe(const Fe25519& a) { return Fe{{a.v[0], a.v[1], a.v[2], a.v[3], a.v[4]}}; }
inline Fe25519 from_fe(const Fe& a) { return Fe25519{{a.v[0], a.v[1], a.v[2], a.v[3], a.v[4]}}; }

struct P3 {  // extended
  Fe X, Y, Z, T;
};
struct Cached {  // (Y+X, Y-X, 2Z, 2dT)
  Fe YpX, YmX, Z2, T2d;
};

inline P3 load(const RistrettoPoint& p) { return P3{to_fe(p.x), to_fe(p.y), to_fe(p.z), to_fe(p.t)}; }
inline RistrettoPoint store(const P3& p) {
  return RistrettoPoint{from_fe(p.X), from_fe(p.Y), from_fe(p.Z), from_fe(p.T)};
}
inline Cached cached_from_array(const std::array<Fe25519, 4>& a) {
  return Cached{to_fe(a[0]), to_fe(a[1]), to_fe(a[2]), to_fe(a[3])};
}
inline std::array<Fe25519, 4> cached_to_array(const Cached& c) {
  return {from_fe(c.YpX), from_fe(c.YmX), from_fe(c.Z2), from_fe(c.T2d)};
}

inline P3 p3_identity() { return P3{fe_zero(), fe_one(), fe_one(), fe_zero()}; }
inline Cached cached_identity() { return Cached{fe_one(), fe_one(), Fe{{2, 0, 0, 0, 0}}, fe_zero()}; }

inline Cached to_cached(const P3& p) {
  return Cached{fe_add(p.Y, p.X), fe_sub(p.Y, p.X), fe_add(p.Z, p.Z), fe_mul(p.T, k().d2)};
}

inline P3 add(const P3& p, const Cached& q) {
  const Fe a = fe_mul(fe_sub(p.Y, p.X), q.YmX);
  const Fe b = fe_mul(fe_add(p.Y, p.X), q.YpX);
  const Fe c = fe_mul(p.T, q.T2d);
  const Fe d = fe_mul(p.Z, q.Z2);
  const Fe e = fe_sub(b, a), f = fe_sub(d, c), g = fe_add(d, c), h = fe_add(b, a);
  return P3{fe_mul(e, f), fe_mul(g, h), fe_mul(f, g), fe_mul(e, h)};
}

inline P3 add(const P3& p, const P3& q) { return add(p, to_cached(q)); }

inline P3 dbl(const P3& p) {
  const Fe a = fe_sq(p.X);
  const Fe b = fe_sq(p.Y);
  const Fe c = fe_add(fe_sq(p.Z), fe_sq(p.Z));
  const Fe d = fe_neg(a);
  const Fe e = fe_sub(fe_sub(fe_sq(fe_add(p.X, p.Y)), a), b);
  const Fe g = fe_add(d, b);
  const Fe f = fe_sub(g, c);
  const Fe h = fe_sub(d, b);
  return P3{fe_mul(e, f), fe_mul(g, h), fe_mul(f, g), fe_mul(e, h)};
}

inline P3 neg(const P3& p) { return P3{fe_neg(p.X), p.Y, p.Z, fe_neg(p.T)}; }
inline Cached neg(const Cached& c) { return Cached{c.YmX, c.YpX, c.Z2, fe_neg(c.T2d)}; }

inline void cmov(Cached& r, const Cached& b, bool flag) {
  fe_cmov(r.YpX, b.YpX, flag);
  fe_cmov(r.YmX, b.YmX, flag);
  fe_cmov(r.Z2, b.Z2, flag);
  fe_cmov(r.T2d, b.T2d, flag);
}

inline bool ct_eq_u32(uint32_t a, uint32_t b) {
  return static_cast<bool>((uint64_t{a ^ b} - 1) >> 63);
}

// Constant-time pick of digit * base from (1..8) * base, digit in [-8, 8].
inline Cached select(const std::array<Fe25519, 4>* row, int8_t digit) {
  const uint8_t negative = static_cast<uint8_t>(digit) >> 7;
  const uint8_t babs = static_cast<uint8_t>(digit - ((-negative & digit) << 1));
  Cached t = cached_identity();
  for (uint32_t j = 1; j <= 8; ++j) cmov(t, cached_from_array(row[j - 1]), ct_eq_u32(babs, j));
  cmov(t, neg(t), negative);
  return t;
}
inline Cached select(const Cached* row, int8_t digit) {
  const uint8_t negative = static_cast<uint8_t>(digit) >> 7;
  const uint8_t babs = static_cast<uint8_t>(digit - ((-negative & digit) << 1));
  Cached t = cached_identity();
  for (uint32_t j = 1; j <= 8; ++j) cmov(t, row[j - 1], ct_eq_u32(babs, j));
  cmov(t, neg(t), negative);
  return t;
}

// Signed radix-16 digits in [-8, 8] of a scalar below 2^255 (ref10's recoding), branch-free.
void recode_radix16(const uint8_t a[32], int8_t e[64]) {
  for (int i = 0; i < 32; ++i) {
    e[2 * i] = static_cast<int8_t>(a[i] & 15);
    e[2 * i + 1] = static_cast<int8_t>((a[i] >> 4) & 15);
  }
  int8_t carry = 0;
  for (int i = 0; i < 63; ++i) {
    e[i] = static_cast<int8_t>(e[i] + carry);
    carry = static_cast<int8_t>((e[i] + 8) >> 4);
    e[i] = static_cast<int8_t>(e[i] - carry * 16);
  }
  e[63] = static_cast<int8_t>(e[63] + carry);
}

// SQRT_RATIO_M1 of RFC 9496 section 4.2.
bool sqrt_ratio_m1(const Fe& u, const Fe& v, Fe& r_out) {
  const Fe v3 = fe_mul(fe_sq(v), v);
  const Fe v7 = fe_mul(fe_sq(v3), v);
  Fe r = fe_mul(fe_mul(u, v3), fe_pow22523(fe_mul(u, v7)));
  const Fe check = fe_mul(v, fe_sq(r));
  const Fe u_neg = fe_neg(u);
  const bool correct = fe_equal(check, u);
  const bool flipped = fe_equal(check, u_neg);
  const bool flipped_i = fe_equal(check, fe_mul(u_neg, k().sqrt_m1));
  fe_cmov(r, fe_mul(k().sqrt_m1, r), flipped || flipped_i);
  r_out = fe_abs(r);
  return correct || flipped;
}

void encode_p3(const P3& p, uint8_t out[32]) {
  const Fe u1 = fe_mul(fe_add(p.Z, p.Y), fe_sub(p.Z, p.Y));
  const Fe u2 = fe_mul(p.X, p.Y);
  Fe invsqrt;
  sqrt_ratio_m1(fe_one(), fe_mul(u1, fe_sq(u2)), invsqrt);
  const Fe den1 = fe_mul(invsqrt, u1);
  const Fe den2 = fe_mul(invsqrt, u2);
  const Fe z_inv = fe_mul(fe_mul(den1, den2), p.T);
  const Fe ix0 = fe_mul(p.X, k().sqrt_m1);
  const Fe iy0 = fe_mul(p.Y, k().sqrt_m1);
  const Fe enchanted = fe_mul(den1, k().invsqrt_a_minus_d);
  const bool rotate = fe_is_negative(fe_mul(p.T, z_inv));
  Fe x = p.X, y = p.Y, den_inv = den2;
  fe_cmov(x, iy0, rotate);
  fe_cmov(y, ix0, rotate);
  fe_cmov(den_inv, enchanted, rotate);
  fe_cmov(y, fe_neg(y), fe_is_negative(fe_mul(x, z_inv)));
  const Fe s = fe_abs(fe_mul(den_inv, fe_sub(p.Z, y)));
  fe_to_bytes(out, s);
}

bool decode_p3(const uint8_t in[32], P3& out) {
  const Fe s = fe_from_bytes(in);
  uint8_t canon[32];
  fe_to_bytes(canon, s);
  // Non-canonical field encodings (>= p or top bit set) and negative s are rejected.
  if (sodium_memcmp(canon, in, 32) != 0 || fe_is_negative(s)) return false;
  const Fe ss = fe_sq(s);
  const Fe u1 = fe_sub(fe_one(), ss);
  const Fe u2 = fe_add(fe_one(), ss);
  const Fe u2_sqr = fe_sq(u2);
  const Fe v = fe_sub(fe_neg(fe_mul(k().d, fe_sq(u1))), u2_sqr);
  Fe invsqrt;
  const bool was_square = sqrt_ratio_m1(fe_one(), fe_mul(v, u2_sqr), invsqrt);
  const Fe den_x = fe_mul(invsqrt, u2);
  const Fe den_y = fe_mul(fe_mul(invsqrt, den_x), v);
  const Fe x = fe_abs(fe_mul(fe_add(s, s), den_x));
  const Fe y = fe_mul(u1, den_y);
  const Fe t = fe_mul(x, y);
  if (!was_square || fe_is_negative(t) || fe_is_zero(y)) return false;
  out = P3{x, y, fe_one(), t};
  return true;
}

P3 pow_ct(const P3& base, const uint8_t scalar[32]) {
  Cached row[8];
  P3 acc = base;
  row[0] = to_cached(base);
  for (int j = 1; j < 8; ++j) {
    acc = add(acc, row[0]);
    row[j] = to_cached(acc);
  }
  int8_t e[64];
  recode_radix16(scalar, e);
  P3 r = p3_identity();
  for (int i = 63; i >= 0; --i) {
    r = dbl(dbl(dbl(dbl(r))));
    r = add(r, select(row, e[i]));
  }
  sodium_memzero(e, sizeof e);
  return r;
}

// Pippenger's bucket method with signed digits (variable time: exponents are public weights).
int choose_window(std::size_t n, int bits) {
  int best = 1;
  double best_cost = 1e300;
  for (int c = 1; c <= 16; ++c) {
    const int windows = (bits + 1 + c - 1) / c;
    const double cost = windows * (static_cast<double>(n) + 2.0 * static_cast<double>(1 << (c - 1))) + bits;
    if (cost < best_cost) {
      best_cost = cost;
      best = c;
    }
  }
  return best;
}

P3 multi_pow_impl(const P3* ext, const Cached* cached, std::size_t n, const int64_t* exps,
                  std::vector<int32_t>& digits, std::vector<P3>& buckets, std::vector<uint8_t>& full) {
  uint64_t maxabs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const uint64_t a = exps[i] < 0 ? uint64_t(0) - static_cast<uint64_t>(exps[i]) : static_cast<uint64_t>(exps[i]);
    maxabs = std::max(maxabs, a);
  }
  if (maxabs == 0) return p3_identity();
  const int bits = 64 - std::countl_zero(maxabs);
  const int c = choose_window(n, bits);
  const int windows = (bits + 1 + c - 1) / c;
  const int64_t radix = int64_t{1} << c, half = radix >> 1;
  digits.assign(n * windows, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const bool negative = exps[i] < 0;
    uint64_t a = negative ? uint64_t(0) - static_cast<uint64_t>(exps[i]) : static_cast<uint64_t>(exps[i]);
    for (int w = 0; w < windows; ++w) {
      int64_t d = static_cast<int64_t>(a & static_cast<uint64_t>(radix - 1));
      a >>= c;
      if (d > half) {
        d -= radix;
        a += 1;
      }
      digits[i * windows + w] = static_cast<int32_t>(negative ? -d : d);
    }
  }
  buckets.resize(static_cast<std::size_t>(half));
  full.resize(static_cast<std::size_t>(half));
  P3 result = p3_identity();
  bool result_set = false;
  for (int w = windows - 1; w >= 0; --w) {
    if (result_set)
      for (int j = 0; j < c; ++j) result = dbl(result);
    std::fill(full.begin(), full.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      const int32_t d = digits[i * windows + w];
      if (d == 0) continue;
      const std::size_t idx = static_cast<std::size_t>(d > 0 ? d : -d) - 1;
      if (!full[idx]) {
        buckets[idx] = d > 0 ? ext[i] : neg(ext[i]);
        full[idx] = 1;
      } else {
        buckets[idx] = add(buckets[idx], d > 0 ? cached[i] : neg(cached[i]));
      }
    }
    // sum_k k * bucket[k] by running sums, from the top bucket down.
    P3 running = p3_identity(), total = p3_identity();
    bool any = false;
    for (int64_t b = half - 1; b >= 0; --b) {
      if (full[b]) {
        running = any ? add(running, buckets[b]) : buckets[b];
        any = true;
      }
      if (any) total = add(total, running);
    }
    if (any) {
      result = result_set ? add(result, total) : total;
      result_set = true;
    }
  }
  return result;
}

}  // namespace

Ristretto255::Ristretto255() {
  HNN_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
  (void)k();
}

Ristretto255::Element Ristretto255::identity() const { return store(p3_identity()); }

Ristretto255::Element Ristretto255::generator() const {
  static const Element g = [] {
    unsigned char one[32] = {1}, enc[32];
    HNN_ASSERT(crypto_scalarmult_ristretto255_base(enc, one) == 0, "libsodium base point");
    P3 p;
    HNN_ASSERT(decode_p3(enc, p), "ristretto255 base point does not decode");
    return store(p);
  }();
  return g;
}

Ristretto255::Element Ristretto255::mul(const Element& a, const Element& b) const {
  return store(add(load(a), load(b)));
}
Ristretto255::Element Ristretto255::inv(const Element& a) const { return store(neg(load(a))); }
Ristretto255::Element Ristretto255::div(const Element& a, const Element& b) const {
  return store(add(load(a), neg(to_cached(load(b)))));
}
Ristretto255::Element Ristretto255::square(const Element& a) const { return store(dbl(load(a))); }

bool Ristretto255::equal(const Element& a, const Element& b) const {
  const P3 p = load(a), q = load(b);
  // RFC 9496 4.3.3: classes are equal iff X1*Y2 == Y1*X2 or Y1*Y2 == X1*X2.
  return fe_equal(fe_mul(p.X, q.Y), fe_mul(p.Y, q.X)) || fe_equal(fe_mul(p.Y, q.Y), fe_mul(p.X, q.X));
}
bool Ristretto255::is_identity(const Element& a) const { return equal(a, identity()); }

Ristretto255::Element Ristretto255::pow(const Element& base, const Scalar& s) const {
  return store(pow_ct(load(base), s.data()));
}

Ristretto255::FixedBase Ristretto255::precompute(const Element& base) const {
  FixedBase fb;
  fb.table.resize(64 * 8);
  P3 b = load(base);
  for (int i = 0; i < 64; ++i) {
    const Cached bc = to_cached(b);
    P3 acc = b;
    fb.table[i * 8] = cached_to_array(bc);
    for (int j = 1; j < 8; ++j) {
      acc = add(acc, bc);
      fb.table[i * 8 + j] = cached_to_array(to_cached(acc));
    }
    b = dbl(dbl(dbl(dbl(b))));
  }
  return fb;
}

Ristretto255::Element Ristretto255::pow_fixed(const FixedBase& fb, const Scalar& s) const {
  HNN_REQUIRE(fb.table.size() == 64 * 8, "FixedBase was not made by Ristretto255::precompute");
  int8_t e[64];
  recode_radix16(s.data(), e);
  P3 r = p3_identity();
  for (int i = 0; i < 64; ++i) r = add(r, select(&fb.table[i * 8], e[i]));
  sodium_memzero(e, sizeof e);
  return store(r);
}

Ristretto255::Element Ristretto255::pow_fixed_small(const FixedBase& fb, int64_t v, int bits) const {
  HNN_REQUIRE(fb.table.size() == 64 * 8, "FixedBase was not made by Ristretto255::precompute");
  HNN_REQUIRE(bits >= 1 && bits <= 62, "pow_fixed_small: bit bound must be in [1, 62], got ", bits);
  const uint64_t mask = static_cast<uint64_t>(v >> 63);
  const uint64_t a = (static_cast<uint64_t>(v) ^ mask) - mask;  // |v|, branch-free
  HNN_REQUIRE((a >> bits) == 0, "pow_fixed_small: |v| must be below 2^", bits);
  uint8_t bytes[32] = {0};
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(a >> (8 * i));
  int8_t e[64];
  recode_radix16(bytes, e);
  const int digits = std::min(64, (bits + 3) / 4 + 1);  // public: depends on the bound only
  P3 r = p3_identity();
  for (int i = 0; i < digits; ++i) r = add(r, select(&fb.table[i * 8], e[i]));
  const P3 rn = neg(r);
  fe_cmov(r.X, rn.X, mask & 1);
  fe_cmov(r.T, rn.T, mask & 1);
  sodium_memzero(e, sizeof e);
  sodium_memzero(bytes, sizeof bytes);
  return store(r);
}

Ristretto255::Element Ristretto255::multi_pow_small(std::span<const Element> bases,
                                                   std::span<const int64_t> exps) const {
  HNN_REQUIRE(bases.size() == exps.size(), "multi_pow_small: ", bases.size(), " bases but ",
              exps.size(), " exponents");
  std::vector<P3> ext(bases.size());
  std::vector<Cached> cached(bases.size());
  for (std::size_t i = 0; i < bases.size(); ++i) {
    ext[i] = load(bases[i]);
    cached[i] = to_cached(ext[i]);
  }
  std::vector<int32_t> digits;
  std::vector<P3> buckets;
  std::vector<uint8_t> full;
  return store(multi_pow_impl(ext.data(), cached.data(), bases.size(), exps.data(), digits, buckets, full));
}

void Ristretto255::multi_pow_small_many(std::span<const Element> bases, std::span<const int64_t> exps,
                                        std::span<Element> out) const {
  const std::size_t n = bases.size();
  HNN_REQUIRE(exps.size() == n * out.size(), "multi_pow_small_many: expected ", n * out.size(),
              " exponents (", out.size(), " rows of ", n, "), got ", exps.size());
  std::vector<P3> ext(n);
  std::vector<Cached> cached(n);
  for (std::size_t i = 0; i < n; ++i) {
    ext[i] = load(bases[i]);
    cached[i] = to_cached(ext[i]);
  }
#pragma omp parallel
  {
    std::vector<int32_t> digits;
    std::vector<P3> buckets;
    std::vector<uint8_t> full;
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t j = 0; j < static_cast<std::ptrdiff_t>(out.size()); ++j)
      out[j] = store(multi_pow_impl(ext.data(), cached.data(), n, exps.data() + j * n, digits,
                                    buckets, full));
  }
}

void Ristretto255::fingerprints(std::span<const Element> elems, std::span<uint64_t> out) const {
  HNN_REQUIRE(elems.size() == out.size(), "fingerprints: output size mismatch");
  // Class invariant: with u = x/y the class of P is {u, 1/u} (RFC 9496 equality), so
  // u + 1/u = (X^2 + Y^2) / (X*Y) is canonical. One inversion for the whole batch (Montgomery).
  const std::size_t n = elems.size();
  std::vector<Fe> num(n), den(n), prefix(n);
  std::vector<uint8_t> zero(n);
  Fe acc = fe_one();
  for (std::size_t i = 0; i < n; ++i) {
    const P3 p = load(elems[i]);
    num[i] = fe_add(fe_sq(p.X), fe_sq(p.Y));
    den[i] = fe_mul(p.X, p.Y);
    zero[i] = fe_is_zero(den[i]);  // X*Y = 0 only on the identity class (E[4])
    if (zero[i]) den[i] = fe_one();
    prefix[i] = acc;
    acc = fe_mul(acc, den[i]);
  }
  Fe inv = fe_invert(acc);
  for (std::size_t i = n; i-- > 0;) {
    const Fe inv_i = fe_mul(inv, prefix[i]);
    inv = fe_mul(inv, den[i]);
    if (zero[i]) {
      out[i] = 0;
      continue;
    }
    uint8_t bytes[32];
    fe_to_bytes(bytes, fe_mul(num[i], inv_i));
    uint64_t f = 0;
    std::memcpy(&f, bytes, 8);
    out[i] = f == 0 ? 1 : f;
  }
}

std::vector<uint8_t> Ristretto255::encode(const Element& a) const {
  std::vector<uint8_t> out(32);
  encode_p3(load(a), out.data());
  return out;
}
void Ristretto255::encode_to(const Element& a, uint8_t out[32]) const { encode_p3(load(a), out); }

Ristretto255::Element Ristretto255::decode(std::span<const uint8_t> bytes) const {
  if (bytes.size() != 32)
    HNN_THROW(DeserializationError, "ristretto255 element must be 32 bytes, got ", bytes.size());
  P3 p;
  if (!decode_p3(bytes.data(), p))
    HNN_THROW(DeserializationError, "bytes are not a canonical ristretto255 encoding");
  return store(p);
}

Ristretto255::Scalar Ristretto255::scalar_random() const {
  Scalar s;
  crypto_core_ristretto255_scalar_random(s.data());
  return s;
}
Ristretto255::Scalar Ristretto255::scalar_from_int(int64_t v) const {
  Scalar s{};
  const uint64_t a = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) s[i] = static_cast<uint8_t>(a >> (8 * i));
  if (v < 0) crypto_core_ristretto255_scalar_negate(s.data(), s.data());
  return s;
}
Ristretto255::Scalar Ristretto255::scalar_add(const Scalar& a, const Scalar& b) const {
  Scalar r;
  crypto_core_ristretto255_scalar_add(r.data(), a.data(), b.data());
  return r;
}
Ristretto255::Scalar Ristretto255::scalar_mul(const Scalar& a, const Scalar& b) const {
  Scalar r;
  crypto_core_ristretto255_scalar_mul(r.data(), a.data(), b.data());
  return r;
}
Ristretto255::Scalar Ristretto255::scalar_neg(const Scalar& a) const {
  Scalar r;
  crypto_core_ristretto255_scalar_negate(r.data(), a.data());
  return r;
}
Ristretto255::Scalar Ristretto255::scalar_inv(const Scalar& a) const {
  Scalar r;
  HNN_REQUIRE(crypto_core_ristretto255_scalar_invert(r.data(), a.data()) == 0,
              "scalar_inv: zero has no inverse modulo the group order");
  return r;
}
bool Ristretto255::scalar_is_zero(const Scalar& a) const { return sodium_is_zero(a.data(), 32) == 1; }
std::vector<uint8_t> Ristretto255::scalar_encode(const Scalar& a) const { return {a.begin(), a.end()}; }
Ristretto255::Scalar Ristretto255::scalar_decode(std::span<const uint8_t> bytes) const {
  if (bytes.size() != 32)
    HNN_THROW(DeserializationError, "ristretto255 scalar must be 32 bytes, got ", bytes.size());
  unsigned char wide[64] = {0};
  std::memcpy(wide, bytes.data(), 32);
  Scalar s;
  crypto_core_ristretto255_scalar_reduce(s.data(), wide);
  if (sodium_memcmp(s.data(), bytes.data(), 32) != 0)
    HNN_THROW(DeserializationError, "ristretto255 scalar is not reduced modulo the group order");
  return s;
}

}  // namespace hnn::fe
