// The NTT butterflies as per-element HNN_HD functions, shared by the CPU loops and CUDA kernels.
#pragma once
#include <cstdint>

#include "hnn/rns/modarith.h"

namespace hnn::ntt {

// Cooley-Tukey (forward) butterfly, Harvey lazy form: x, y in [0, 4q) -> x', y' in [0, 4q).
HNN_HD void ct_butterfly(uint64_t& x, uint64_t& y, uint64_t w, uint64_t w_shoup, uint64_t q) {
  const uint64_t two_q = q << 1;
  uint64_t u = x >= two_q ? x - two_q : x;
  uint64_t v = rns::mul_shoup_lazy(y, w, w_shoup, q);
  x = u + v;
  y = u - v + two_q;
}

// Gentleman-Sande (inverse) butterfly: x, y in [0, 2q) -> x', y' in [0, 2q).
HNN_HD void gs_butterfly(uint64_t& x, uint64_t& y, uint64_t w, uint64_t w_shoup, uint64_t q) {
  const uint64_t two_q = q << 1;
  uint64_t u = x, v = y;
  uint64_t s = u + v;
  x = s >= two_q ? s - two_q : s;
  y = rns::mul_shoup_lazy(u - v + two_q, w, w_shoup, q);
}

// [0, 4q) -> [0, q)
HNN_HD uint64_t reduce_from_4q(uint64_t x, uint64_t q) {
  const uint64_t two_q = q << 1;
  if (x >= two_q) x -= two_q;
  return x >= q ? x - q : x;
}

}  // namespace hnn::ntt
