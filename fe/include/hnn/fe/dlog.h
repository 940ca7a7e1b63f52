// Bounded discrete logarithm: given h = g^v with |v| <= B, find v (the last step of FEIP and FEBO
// decryption, which only ever yield g^<x,y>).
//
// Baby-step giant-step (Shanks) with the baby steps g^j, j in [-m, m], in a hash table of 64-bit
// fingerprints built once and shared by every decryption; the giant stride is M = 2m + 1. The
// search goes outward from v = 0 (k = 0, +1, -1, +2, ...), so its cost is |v|/M giant steps rather
// than B/M: inner products of a trained layer are far below their worst-case bound. Targets are
// processed in batches (one field inversion per batch for ristretto255 fingerprints) and in
// parallel (OpenMP). Every table hit is verified by recomputing g^v, so a fingerprint collision
// can cost time but never give a wrong answer.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hnn/fe/group.h"
#include "hnn/rns/error.h"

namespace hnn::fe {

// The value is outside [-B, B] (or the element is not g^v for any such v: a mismatched key or a
// forged ciphertext gives a random group element, which lands here).
class DlogOutOfRange : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

template <PrimeOrderGroup G>
class BoundedDlog {
 public:
  using Element = typename G::Element;

  // bound B >= 1; baby_steps m (table covers [-m, m]); 0 chooses m from B (about 16 sqrt(B),
  // capped at 2^21 entries).
  BoundedDlog(G group, int64_t bound, int64_t baby_steps = 0);

  int64_t bound() const { return bound_; }
  int64_t baby_steps() const { return m_; }
  std::size_t table_bytes() const { return keys_.size() * (sizeof(uint64_t) + sizeof(int32_t)); }

  std::optional<int64_t> try_solve(const Element& h) const;
  int64_t solve(const Element& h) const;  // throws DlogOutOfRange
  // out[i] = v_i; ok[i] = 0 where no |v| <= B exists. Batched, multithreaded.
  void try_solve_many(std::span<const Element> hs, std::span<int64_t> out,
                      std::span<uint8_t> ok) const;
  // Throws DlogOutOfRange naming the first index that has no solution.
  std::vector<int64_t> solve_many(std::span<const Element> hs) const;

 private:
  void solve_chunk(std::span<const Element> hs, std::span<int64_t> out, std::span<uint8_t> ok) const;
  bool lookup_verify(uint64_t fp, int64_t offset, const Element& candidate, int64_t& v) const;

  G group_;
  int64_t bound_ = 0, m_ = 0, stride_ = 0;
  int value_bits_ = 0;
  typename G::FixedBase g_table_;
  Element giant_, giant_inv_;
  std::vector<uint64_t> keys_;
  std::vector<int32_t> vals_;  // baby-step exponent j; kEmpty marks a free slot
  uint64_t mask_ = 0;
  static constexpr int32_t kEmpty = INT32_MIN;
};

}  // namespace hnn::fe
