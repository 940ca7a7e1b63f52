// Plaintext and Ciphertext: RNS polynomials in the NTT domain with their level, scale and slots.
#pragma once
#include <vector>

#include "hnn/ckks/context.h"
#include "hnn/rns/rns_poly.h"

namespace hnn::ckks {

class Plaintext {
 public:
  Plaintext() = default;
  Plaintext(ContextPtr ctx, rns::RnsPoly poly, double scale, std::size_t slots)
      : ctx_(std::move(ctx)), poly_(std::move(poly)), scale_(scale), slots_(slots) {}
  Plaintext(Plaintext&&) noexcept = default;
  Plaintext& operator=(Plaintext&&) noexcept = default;
  Plaintext clone() const { return Plaintext(ctx_, poly_.clone(), scale_, slots_); }

  const ContextPtr& context() const { return ctx_; }
  const rns::RnsPoly& poly() const { return poly_; }
  rns::RnsPoly& poly() { return poly_; }
  int level() const { return static_cast<int>(poly_.limbs()) - 1; }
  double scale() const { return scale_; }
  void set_scale(double s) { scale_ = s; }
  std::size_t slots() const { return slots_; }
  rns::Device device() const { return poly_.device(); }

 private:
  ContextPtr ctx_;
  rns::RnsPoly poly_;
  double scale_ = 0;
  std::size_t slots_ = 0;
};

// (c0, c1) or, after a multiplication without relinearization, (c0, c1, c2): decrypts to
// c0 + c1 s (+ c2 s^2). All components at the same level, in the NTT domain.
class Ciphertext {
 public:
  Ciphertext() = default;
  Ciphertext(ContextPtr ctx, std::vector<rns::RnsPoly> polys, double scale, std::size_t slots)
      : ctx_(std::move(ctx)), polys_(std::move(polys)), scale_(scale), slots_(slots) {}
  Ciphertext(Ciphertext&&) noexcept = default;
  Ciphertext& operator=(Ciphertext&&) noexcept = default;
  Ciphertext clone() const {
    std::vector<rns::RnsPoly> p;
    for (auto& x : polys_) p.push_back(x.clone());
    return Ciphertext(ctx_, std::move(p), scale_, slots_);
  }

  const ContextPtr& context() const { return ctx_; }
  std::size_t size() const { return polys_.size(); }
  rns::RnsPoly& operator[](std::size_t i) { return polys_[i]; }
  const rns::RnsPoly& operator[](std::size_t i) const { return polys_[i]; }
  std::vector<rns::RnsPoly>& polys() { return polys_; }
  const std::vector<rns::RnsPoly>& polys() const { return polys_; }
  int level() const { return polys_.empty() ? -1 : static_cast<int>(polys_[0].limbs()) - 1; }
  double scale() const { return scale_; }
  void set_scale(double s) { scale_ = s; }
  std::size_t slots() const { return slots_; }
  void set_slots(std::size_t s) { slots_ = s; }
  // Where the components live (the CPU, or a CUDA device: see hnn/ckks/device.h).
  rns::Device device() const { return polys_.empty() ? rns::Device::cpu() : polys_[0].device(); }

 private:
  ContextPtr ctx_;
  std::vector<rns::RnsPoly> polys_;
  double scale_ = 0;
  std::size_t slots_ = 0;
};

}  // namespace hnn::ckks
