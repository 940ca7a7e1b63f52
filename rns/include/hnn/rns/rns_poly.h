// RnsPoly: a polynomial of degree < N in RNS form.
//
// Layout: limb-major, limb i occupies words [i*N, (i+1)*N); each word is reduced modulo limb i's
// prime. The domain flag says whether the words are coefficients or NTT (evaluation) values, in
// the order documented in hnn/ntt/ntt.h. Move-only: copying is the explicit clone().
#pragma once
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <span>

#include "hnn/rns/error.h"

namespace hnn::rns {

enum class Domain : uint8_t { Coefficient = 0, Ntt = 1 };

// Where the words live. The CPU backend is the reference; a CUDA device is added by the GPU backend.
struct Device {
  enum class Kind : uint8_t { Cpu = 0, Cuda = 1 };
  Kind kind = Kind::Cpu;
  int index = 0;
  static Device cpu() { return {}; }
  friend bool operator==(const Device&, const Device&) = default;
};

// Recycles word buffers by size, so that hot paths (key switching allocates tens of MiB of
// temporaries per call) reuse warm memory instead of page-faulting on fresh pages from the OS.
// Thread-safe; keeps at most `limit_bytes` of free buffers (default 2 GiB, HNN_POOL_MIB overrides).
class WordPool {
 public:
  // A buffer of at least `words` words; `words` is updated to its actual size, which release()
  // must be given back.
  static uint64_t* acquire(std::size_t& words);
  static void release(uint64_t* p, std::size_t words) noexcept;
  static std::size_t cached_bytes();
  static void trim();  // return every cached buffer to the system
};

class RnsPoly {
 public:
  struct Uninitialized {};
  RnsPoly() = default;
  // Zero-filled.
  RnsPoly(std::size_t n, std::size_t limbs, Domain domain) : RnsPoly(n, limbs, domain, Uninitialized{}) {
    std::fill(words_, words_ + size(), uint64_t{0});
  }
  // Contents unspecified: for outputs that are fully overwritten.
  RnsPoly(std::size_t n, std::size_t limbs, Domain domain, Uninitialized)
      : n_(n), limbs_(limbs), capacity_(n * limbs), domain_(domain),
        words_(capacity_ ? WordPool::acquire(capacity_) : nullptr) {}
  ~RnsPoly() {
    if (words_) WordPool::release(words_, capacity_);
  }

  RnsPoly(RnsPoly&& o) noexcept { swap(o); }
  RnsPoly& operator=(RnsPoly&& o) noexcept {
    RnsPoly tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  RnsPoly(const RnsPoly&) = delete;
  RnsPoly& operator=(const RnsPoly&) = delete;

  RnsPoly clone() const { return clone(limbs_); }
  // The first `limbs` limbs only: clone() then truncate_limbs(limbs) without copying the rest.
  RnsPoly clone(std::size_t limbs) const {
    HNN_ASSERT(limbs <= limbs_, "cannot clone ", limbs, " limbs of a ", limbs_, "-limb polynomial");
    RnsPoly out(n_, limbs, domain_, Uninitialized{});
    std::copy(words_, words_ + n_ * limbs, out.words_);
    return out;
  }

  std::size_t n() const { return n_; }
  std::size_t limbs() const { return limbs_; }
  Domain domain() const { return domain_; }
  void set_domain(Domain d) { domain_ = d; }
  Device device() const { return Device::cpu(); }
  bool empty() const { return limbs_ == 0; }

  uint64_t* limb(std::size_t i) { return words_ + i * n_; }
  const uint64_t* limb(std::size_t i) const { return words_ + i * n_; }
  std::span<uint64_t> words() { return {words_, size()}; }
  std::span<const uint64_t> words() const { return {words_, size()}; }
  uint64_t* data() { return words_; }
  const uint64_t* data() const { return words_; }

  // Keep the first `limbs` limbs (dropping moduli from the top of the chain).
  void truncate_limbs(std::size_t limbs) {
    HNN_ASSERT(limbs <= limbs_, "cannot grow a polynomial by truncation");
    limbs_ = limbs;
  }

 private:
  std::size_t size() const { return n_ * limbs_; }
  void swap(RnsPoly& o) noexcept {
    std::swap(n_, o.n_);
    std::swap(limbs_, o.limbs_);
    std::swap(capacity_, o.capacity_);
    std::swap(domain_, o.domain_);
    std::swap(words_, o.words_);
  }
  std::size_t n_ = 0;
  std::size_t limbs_ = 0;
  std::size_t capacity_ = 0;
  Domain domain_ = Domain::Coefficient;
  uint64_t* words_ = nullptr;
};

}  // namespace hnn::rns
