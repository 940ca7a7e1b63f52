#include "hnn/fe/dlog.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"

namespace hnn::fe {
namespace {
constexpr std::size_t kChunk = 2048;  // elements per batched fingerprint call
inline uint64_t slot_of(uint64_t fp, uint64_t mask) { return (fp * 0x9E3779B97F4A7C15ULL) >> 20 & mask; }
}  // namespace

template <PrimeOrderGroup G>
BoundedDlog<G>::BoundedDlog(G group, int64_t bound, int64_t baby_steps)
    : group_(std::move(group)), bound_(bound) {
  HNN_REQUIRE(bound >= 1 && bound <= (int64_t{1} << 58),
              "BoundedDlog: bound must be in [1, 2^58], got ", bound);
  if (baby_steps <= 0) {
    const double s = 16.0 * std::sqrt(static_cast<double>(bound));
    baby_steps = static_cast<int64_t>(std::clamp(s, 64.0, double(1 << 20)));
  }
  m_ = std::min<int64_t>(baby_steps, bound);
  HNN_REQUIRE(m_ <= (int64_t{1} << 22), "BoundedDlog: at most 2^22 baby steps, got ", m_);
  stride_ = 2 * m_ + 1;
  value_bits_ = 64 - std::countl_zero(static_cast<uint64_t>(bound_ + stride_)) + 1;
  g_table_ = group_.precompute(group_.generator());
  giant_ = group_.pow(group_.generator(), group_.scalar_from_int(stride_));
  giant_inv_ = group_.inv(giant_);

  const std::size_t entries = static_cast<std::size_t>(stride_);
  const std::size_t capacity = std::bit_ceil(entries * 2);
  mask_ = capacity - 1;
  keys_.assign(capacity, 0);
  vals_.assign(capacity, kEmpty);
  // Baby steps g^j for j = -m..m, in parallel chunks; insertion is sequential (cheap).
  const std::size_t chunks = (entries + kChunk - 1) / kChunk;
  std::vector<std::vector<uint64_t>> fps(chunks);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t c = 0; c < static_cast<std::ptrdiff_t>(chunks); ++c) {
    const int64_t first = -m_ + static_cast<int64_t>(c * kChunk);
    const std::size_t len = std::min(kChunk, entries - c * kChunk);
    std::vector<Element> elems(len);
    Element e = group_.pow(group_.generator(), group_.scalar_from_int(first));
    const Element g = group_.generator();
    for (std::size_t i = 0; i < len; ++i) {
      elems[i] = e;
      e = group_.mul(e, g);
    }
    fps[c].resize(len);
    group_.fingerprints(elems, fps[c]);
  }
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t i = 0; i < fps[c].size(); ++i) {
      const uint64_t fp = fps[c][i];
      uint64_t s = slot_of(fp, mask_);
      while (vals_[s] != kEmpty) s = (s + 1) & mask_;
      keys_[s] = fp;
      vals_[s] = static_cast<int32_t>(-m_ + static_cast<int64_t>(c * kChunk + i));
    }
}

template <PrimeOrderGroup G>
bool BoundedDlog<G>::lookup_verify(uint64_t fp, int64_t offset, const Element& target, int64_t& v) const {
  for (uint64_t s = slot_of(fp, mask_); vals_[s] != kEmpty; s = (s + 1) & mask_) {
    if (keys_[s] != fp) continue;
    const int64_t cand = offset + vals_[s];
    if (cand < -bound_ || cand > bound_) continue;
    if (group_.equal(group_.pow_fixed_small(g_table_, cand, value_bits_), target)) {
      v = cand;
      return true;
    }
  }
  return false;
}

template <PrimeOrderGroup G>
void BoundedDlog<G>::solve_chunk(std::span<const Element> hs, std::span<int64_t> out,
                                 std::span<uint8_t> ok) const {
  const std::size_t n = hs.size();
  std::vector<Element> up(hs.begin(), hs.end()), down(hs.begin(), hs.end());
  std::vector<std::size_t> active(n);
  for (std::size_t i = 0; i < n; ++i) active[i] = i, ok[i] = 0;
  std::vector<Element> batch;
  std::vector<uint64_t> fp;
  // k = 0: v = j directly.
  fp.resize(n);
  group_.fingerprints(hs, fp);
  {
    std::vector<std::size_t> still;
    for (std::size_t i = 0; i < n; ++i) {
      int64_t v;
      if (lookup_verify(fp[i], 0, hs[i], v)) out[i] = v, ok[i] = 1;
      else still.push_back(i);
    }
    active.swap(still);
  }
  const int64_t max_k = (bound_ + m_) / stride_ + 1;
  for (int64_t k = 1; k <= max_k && !active.empty(); ++k) {
    // up_i = h_i * g^(-k M) holds v - kM; down_i = h_i * g^(kM) holds v + kM.
    batch.resize(2 * active.size());
    for (std::size_t a = 0; a < active.size(); ++a) {
      const std::size_t i = active[a];
      up[i] = group_.mul(up[i], giant_inv_);
      down[i] = group_.mul(down[i], giant_);
      batch[2 * a] = up[i];
      batch[2 * a + 1] = down[i];
    }
    fp.resize(batch.size());
    group_.fingerprints(batch, fp);
    std::vector<std::size_t> still;
    for (std::size_t a = 0; a < active.size(); ++a) {
      const std::size_t i = active[a];
      int64_t v;
      if (lookup_verify(fp[2 * a], k * stride_, hs[i], v) ||
          lookup_verify(fp[2 * a + 1], -k * stride_, hs[i], v)) {
        out[i] = v;
        ok[i] = 1;
      } else {
        still.push_back(i);
      }
    }
    active.swap(still);
  }
}

template <PrimeOrderGroup G>
void BoundedDlog<G>::try_solve_many(std::span<const Element> hs, std::span<int64_t> out,
                                    std::span<uint8_t> ok) const {
  HNN_REQUIRE(out.size() == hs.size() && ok.size() == hs.size(),
              "try_solve_many: output spans must match the input size");
  const std::size_t chunk = 256;
  const std::size_t chunks = (hs.size() + chunk - 1) / chunk;
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t c = 0; c < static_cast<std::ptrdiff_t>(chunks); ++c) {
    const std::size_t lo = c * chunk, len = std::min(chunk, hs.size() - lo);
    solve_chunk(hs.subspan(lo, len), out.subspan(lo, len), ok.subspan(lo, len));
  }
}

template <PrimeOrderGroup G>
std::optional<int64_t> BoundedDlog<G>::try_solve(const Element& h) const {
  int64_t v = 0;
  uint8_t ok = 0;
  solve_chunk(std::span<const Element>(&h, 1), std::span<int64_t>(&v, 1), std::span<uint8_t>(&ok, 1));
  if (!ok) return std::nullopt;
  return v;
}

template <PrimeOrderGroup G>
int64_t BoundedDlog<G>::solve(const Element& h) const {
  const auto v = try_solve(h);
  if (!v)
    HNN_THROW(DlogOutOfRange, "discrete log not in [-", bound_, ", ", bound_,
              "]: the value exceeds the bound, or key and ciphertext do not match");
  return *v;
}

template <PrimeOrderGroup G>
std::vector<int64_t> BoundedDlog<G>::solve_many(std::span<const Element> hs) const {
  std::vector<int64_t> out(hs.size());
  std::vector<uint8_t> ok(hs.size());
  try_solve_many(hs, out, ok);
  for (std::size_t i = 0; i < hs.size(); ++i)
    if (!ok[i])
      HNN_THROW(DlogOutOfRange, "discrete log of element ", i, " not in [-", bound_, ", ", bound_,
                "]: the value exceeds the bound, or key and ciphertext do not match");
  return out;
}

template class BoundedDlog<Ristretto255>;
template class BoundedDlog<ModpGroup>;

}  // namespace hnn::fe
