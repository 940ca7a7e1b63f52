// The slot layout of an encrypted activation matrix, and the level bookkeeping both backends share.
//
// Layout. A matrix X [tokens x features] (tokens padded to T, a power of two) is held as
// ceil(features / C) ciphertexts ("chunks") of S slots each, C = S / T features per chunk,
// feature-major inside a chunk:
//
//     chunk c, slot j * T + t  holds  X[t, c * C + j]        (t < T, j < C)
//
// so a rotation by T moves every token one feature along (the diagonal method of a linear layer
// rotates by multiples of T) and a rotation by r < T moves a feature's column of tokens (attention
// rotates keys and values by r and r - T, then masks). S is the bootstrapping slot count (sparse
// packing: rotations act modulo S). Padded tokens (t >= n) and padded features (c*C + j >= features)
// hold zero after every LayerNorm (its gamma and beta are multiplied by the token mask), and linear
// layers add their bias on the real tokens only.
//
// Levels and scales. Every value at level l has the canonical scale Delta_l (Delta_top = the
// default scale, Delta_{l-1} = Delta_l^2 / q_l), so that products and sums never meet mismatched
// scales; plaintext and constant multiplications are encoded so that their rescale lands on
// Delta_{l-1}. Two things leave a value off the chain ("not canonical"): bootstrapping (its output
// scale is the bootstrapper's) and products involving such a value. A value is put back on the
// chain when it is lowered to a level (a constant multiplication by 1 at the matching scale, free
// when the value has a level to spare) or, at equal levels, by paying one level. `Meta` carries the
// level and that flag; both backends apply the same rules to it, so the plaintext backend
// reproduces every level decision and bootstrap of the encrypted run.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hnn/rns/error.h"

namespace hnn::nn::he {

struct Layout {
  std::size_t tokens = 0;  // T: a power of two
  std::size_t slots = 0;   // S: a power of two, a multiple of T

  std::size_t chunk() const { return slots / tokens; }
  std::size_t chunks(std::size_t features) const { return (features + chunk() - 1) / chunk(); }
  std::size_t slot(std::size_t feature_in_chunk, std::size_t token) const {
    return feature_in_chunk * tokens + token;
  }
  // A rotation step reduced modulo S into (-S/2, S/2]: both backends rotate by (and keys are made
  // for) this representative, as 5^k and 5^(k+S) are different Galois elements of the full ring.
  int normal_step(int step) const {
    const int s = static_cast<int>(slots);
    int k = ((step % s) + s) % s;
    if (k > s / 2) k -= s;
    return k;
  }
  void validate() const {
    auto pow2 = [](std::size_t v) { return v != 0 && (v & (v - 1)) == 0; };
    HNN_REQUIRE(pow2(tokens), "layout: tokens (", tokens, ") must be a power of two");
    HNN_REQUIRE(pow2(slots) && slots >= tokens, "layout: slots (", slots,
                ") must be a power of two >= tokens (", tokens, ")");
  }
};

// The level of a value and which scale it has: 0 = the canonical Delta_level; any other id names
// an off-chain scale (a bootstrap's output, or a product involving one). Values with equal ids at
// equal levels have equal scales, so adding a value to its own rotation costs nothing.
struct Meta {
  int level = 0;
  std::uint64_t scale_id = 0;
  bool canonical() const { return scale_id == 0; }
  friend bool operator==(const Meta&, const Meta&) = default;
};

// The scale id of a product (deterministic, so both backends agree).
inline std::uint64_t product_scale_id(std::uint64_t a, std::uint64_t b) {
  if (a == 0 && b == 0) return 0;
  std::uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z == 0 ? 1 : z;
}

// Level and scale after lowering to `level` (a no-op at the same level; moving puts it on the chain).
inline Meta lowered(Meta m, int level) {
  if (m.level == level) return m;
  HNN_ASSERT(level < m.level, "cannot raise a value from level ", m.level, " to ", level);
  return Meta{level, 0};
}
// A binary operation's operands after levelling: both at the lower level.
inline std::pair<Meta, Meta> levelled(Meta a, Meta b) {
  const int l = std::min(a.level, b.level);
  return {lowered(a, l), lowered(b, l)};
}
// Whether adding a and b needs a level to bring both to one scale.
inline bool add_needs_level(Meta a, Meta b) {
  auto [x, y] = levelled(a, b);
  return x.scale_id != y.scale_id;
}

// A tensor of `features` columns as chunks (see Layout).
template <class V>
struct Tensor {
  std::size_t features = 0;
  std::vector<V> chunks;
};

// Row-major [rows x features] values -> one slot vector per chunk; `rows` <= T, the rest zero.
inline std::vector<std::vector<double>> pack(const Layout& layout, const std::vector<double>& values,
                                             std::size_t rows, std::size_t features) {
  HNN_REQUIRE(values.size() == rows * features, "pack: ", values.size(), " values for ", rows, " x ",
              features);
  HNN_REQUIRE(rows <= layout.tokens, "pack: ", rows, " rows exceed the layout's ", layout.tokens,
              " tokens");
  const std::size_t c = layout.chunk();
  std::vector<std::vector<double>> out(layout.chunks(features), std::vector<double>(layout.slots, 0.0));
  for (std::size_t t = 0; t < rows; ++t) {
    for (std::size_t f = 0; f < features; ++f) {
      out[f / c][layout.slot(f % c, t)] = values[t * features + f];
    }
  }
  return out;
}

// The inverse of pack: row-major [rows x features].
inline std::vector<double> unpack(const Layout& layout, const std::vector<std::vector<double>>& chunks,
                                  std::size_t rows, std::size_t features) {
  HNN_REQUIRE(chunks.size() == layout.chunks(features), "unpack: ", chunks.size(),
              " chunks for ", features, " features");
  const std::size_t c = layout.chunk();
  std::vector<double> out(rows * features);
  for (std::size_t t = 0; t < rows; ++t) {
    for (std::size_t f = 0; f < features; ++f) {
      out[t * features + f] = chunks[f / c].at(layout.slot(f % c, t));
    }
  }
  return out;
}

}  // namespace hnn::nn::he
