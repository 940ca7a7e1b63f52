#include "hnn/ckks/bootstrap/linear_transform.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>

#include "../poly_ops.h"
#include "hnn/rns/error.h"

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

}  // namespace

LinearTransform::LinearTransform(const Encoder& encoder, const Diagonals& diagonals, std::size_t slots,
                                 int level, double scale, int baby_steps)
    : slots_(slots), level_(level), scale_(scale) {
  const Context& ctx = *encoder.context();
  HNN_REQUIRE(slots >= 1 && std::has_single_bit(slots) && slots <= ctx.params().max_slots(),
              "linear transform on ", slots, " slots: use a power of two <= N/2");
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
  if (g <= 0) {  // hoisted baby steps cost about half a giant step
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
      // rot_{-G}(diag): entry k' = diag[(k' - G) mod slots]
      std::vector<std::complex<double>> rotated(slots);
      const long long shift = j * g * stride;
      for (std::size_t k2 = 0; k2 < slots; ++k2) {
        const long long src = ((static_cast<long long>(k2) - shift) % static_cast<long long>(slots) +
                               static_cast<long long>(slots)) % static_cast<long long>(slots);
        rotated[k2] = v[static_cast<std::size_t>(src)];
      }
      giant.terms.emplace_back(bi, encoder.encode(rotated, level, scale));
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
    for (const auto& [b, pt] : g.terms) bytes += pt.poly().words().size() * sizeof(uint64_t);
  return bytes;
}

Ciphertext LinearTransform::apply(const Evaluator& ev, const Ciphertext& x, const GaloisKeys& gk) const {
  const Context& ctx = *ev.context();
  HNN_REQUIRE(x.level() >= level_, "linear transform encoded at level ", level_, " applied to a ciphertext at level ",
              x.level());
  HNN_REQUIRE(x.size() == 2, "linear transform expects a relinearized ciphertext");
  Ciphertext in = x.clone();
  ev.drop_to_level_inplace(in, level_);
  const std::vector<Ciphertext> babies = ev.rotate_hoisted(in, baby_, gk);
  const std::size_t n = ctx.n(), limbs = static_cast<std::size_t>(level_) + 1;
  std::optional<Ciphertext> out;
  for (const auto& giant : giants_) {
    rns::RnsPoly a0(n, limbs, rns::Domain::Ntt), a1(n, limbs, rns::Domain::Ntt);
    for (const auto& [bi, pt] : giant.terms) {
      detail::mul_add_inplace(ctx, a0, babies[bi][0], pt.poly());
      detail::mul_add_inplace(ctx, a1, babies[bi][1], pt.poly());
    }
    std::vector<rns::RnsPoly> polys;
    polys.push_back(std::move(a0));
    polys.push_back(std::move(a1));
    Ciphertext acc(ev.context(), std::move(polys), in.scale() * scale_, in.slots());
    if (giant.step != 0) acc = ev.rotate(acc, giant.step, gk);
    if (out) ev.add_inplace(*out, acc);
    else out = std::move(acc);
  }
  return std::move(*out);
}

}  // namespace hnn::ckks::bootstrap
