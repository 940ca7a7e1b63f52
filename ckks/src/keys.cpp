#include "hnn/ckks/keys.h"

#include <sodium.h>

namespace hnn::ckks {

SecretKey& SecretKey::operator=(SecretKey&& o) noexcept {
  if (this != &o) {
    if (!s_.empty()) sodium_memzero(s_.data(), s_.words().size_bytes());
    ctx_ = std::move(o.ctx_);
    s_ = std::move(o.s_);
  }
  return *this;
}

SecretKey::~SecretKey() {
  if (!s_.empty()) sodium_memzero(s_.data(), s_.words().size_bytes());
}

std::size_t SwitchingKey::size_bytes() const {
  std::size_t total = 0;
  for (auto& p : b_) total += p.words().size_bytes();
  for (auto& p : a_) total += p.words().size_bytes();
  return total;
}

std::size_t GaloisKeys::size_bytes() const {
  std::size_t total = 0;
  for (auto& [g, k] : keys_) total += k.size_bytes();
  return total;
}

}  // namespace hnn::ckks
