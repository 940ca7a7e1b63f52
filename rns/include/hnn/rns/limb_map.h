// LimbMap: which limbs of a buffer a CUDA kernel works on, and with which prime.
//
// Entry t of the batch is the limb at words + position[t] * N, reduced modulo (and, for the NTT,
// transformed with the tables of) the prime whose index in the device context's prime table is
// table[t]. In ckks that index is the QP index (0..L the Q primes, then the special primes), so
// one device table of all primes serves polynomials at every level, extended (Q_l u P) ones and
// the scattered target limbs of a ModUp, with no per-call device allocation: the map travels by
// value as a kernel argument (under 600 bytes, well inside CUDA's 4 KiB parameter space).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hnn/rns/config.h"
#include "hnn/rns/error.h"

namespace hnn::cuda {

struct LimbMap {
  static constexpr std::size_t kMaxLimbs = 128;
  uint32_t count = 0;
  uint16_t position[kMaxLimbs];
  uint16_t table[kMaxLimbs];

  // position = table = first + t, t < count: the first `count` limbs of a level-ordered poly.
  static LimbMap contiguous(std::size_t count, std::size_t first = 0) {
    LimbMap m;
    m.resize(count);
    for (std::size_t t = 0; t < count; ++t) m.position[t] = m.table[t] = static_cast<uint16_t>(first + t);
    return m;
  }
  // Explicit positions and tables (same length).
  static LimbMap of(const std::vector<std::size_t>& positions, const std::vector<std::size_t>& tables) {
    HNN_ASSERT(positions.size() == tables.size(), "LimbMap: ", positions.size(), " positions, ",
               tables.size(), " tables");
    LimbMap m;
    m.resize(positions.size());
    for (std::size_t t = 0; t < positions.size(); ++t) {
      m.position[t] = static_cast<uint16_t>(positions[t]);
      m.table[t] = static_cast<uint16_t>(tables[t]);
    }
    return m;
  }
  // Positions 0..count-1 with the given tables (a dense buffer of mixed primes).
  static LimbMap dense(const std::vector<std::size_t>& tables) {
    std::vector<std::size_t> positions(tables.size());
    for (std::size_t t = 0; t < tables.size(); ++t) positions[t] = t;
    return of(positions, tables);
  }

 private:
  void resize(std::size_t c) {
    HNN_REQUIRE(c <= kMaxLimbs, "a CUDA kernel batch holds at most ", kMaxLimbs, " limbs, asked for ", c);
    count = static_cast<uint32_t>(c);
  }
};

}  // namespace hnn::cuda
