// RnsPoly: a polynomial of degree < N in RNS form.
//
// Layout: limb-major, limb i occupies words [i*N, (i+1)*N); each word is reduced modulo limb i's
// prime. The domain flag says whether the words are coefficients or NTT (evaluation) values, in
// the order documented in hnn/ntt/ntt.h. Move-only: copying is the explicit clone().
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

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

class RnsPoly {
 public:
  RnsPoly() = default;
  RnsPoly(std::size_t n, std::size_t limbs, Domain domain)
      : n_(n), limbs_(limbs), domain_(domain), words_(n * limbs, 0) {}

  RnsPoly(RnsPoly&&) noexcept = default;
  RnsPoly& operator=(RnsPoly&&) noexcept = default;
  RnsPoly(const RnsPoly&) = delete;
  RnsPoly& operator=(const RnsPoly&) = delete;

  RnsPoly clone() const {
    RnsPoly out(n_, limbs_, domain_);
    out.words_ = words_;
    return out;
  }

  std::size_t n() const { return n_; }
  std::size_t limbs() const { return limbs_; }
  Domain domain() const { return domain_; }
  void set_domain(Domain d) { domain_ = d; }
  Device device() const { return Device::cpu(); }
  bool empty() const { return limbs_ == 0; }

  uint64_t* limb(std::size_t i) { return words_.data() + i * n_; }
  const uint64_t* limb(std::size_t i) const { return words_.data() + i * n_; }
  std::span<uint64_t> words() { return words_; }
  std::span<const uint64_t> words() const { return words_; }
  uint64_t* data() { return words_.data(); }
  const uint64_t* data() const { return words_.data(); }

  // Keep the first `limbs` limbs (dropping moduli from the top of the chain).
  void truncate_limbs(std::size_t limbs) {
    HNN_ASSERT(limbs <= limbs_, "cannot grow a polynomial by truncation");
    limbs_ = limbs;
    words_.resize(n_ * limbs);
  }

 private:
  std::size_t n_ = 0;
  std::size_t limbs_ = 0;
  Domain domain_ = Domain::Coefficient;
  std::vector<uint64_t> words_;
};

}  // namespace hnn::rns
