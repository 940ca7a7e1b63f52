#include "hnn/ckks/keys.h"

#include <sodium.h>

#include "hnn/rns/error.h"

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

SwitchingKey::SwitchingKey(ContextPtr ctx, std::vector<rns::RnsPoly> b, std::vector<rns::RnsPoly> a)
    : SwitchingKey(ctx, std::move(b), std::move(a), ctx ? ctx->max_level() : -1) {}

SwitchingKey::SwitchingKey(ContextPtr ctx, std::vector<rns::RnsPoly> b, std::vector<rns::RnsPoly> a,
                           int max_level)
    : ctx_(std::move(ctx)), b_(std::move(b)), a_(std::move(a)), max_level_(max_level) {
  HNN_REQUIRE(ctx_ != nullptr, "a switching key needs a context");
  HNN_REQUIRE(max_level_ >= 0 && max_level_ <= ctx_->max_level(), "switching key max level ", max_level_,
              " is outside 0..", ctx_->max_level());
  const std::size_t digits = static_cast<std::size_t>(ctx_->digits_at_level(max_level_));
  const std::size_t limbs = special_offset() + ctx_->special_count();
  HNN_REQUIRE(b_.size() == digits && a_.size() == digits, "a switching key for levels <= ", max_level_,
              " has ", digits, " digits, not ", b_.size(), " and ", a_.size());
  for (std::size_t j = 0; j < digits; ++j)
    HNN_REQUIRE(b_[j].limbs() == limbs && a_[j].limbs() == limbs && b_[j].n() == ctx_->n() &&
                    a_[j].n() == ctx_->n(),
                "switching key digit ", j, " must hold ", limbs, " limbs of degree ", ctx_->n());
}

std::size_t SwitchingKey::size_bytes() const {
  std::size_t total = 0;
  for (const auto* polys : {&b_, &a_})
    for (const auto& p : *polys) total += p.size_bytes();
  return total;
}

std::size_t switching_key_bytes(const Context& ctx, int max_level) {
  HNN_REQUIRE(max_level >= 0 && max_level <= ctx.max_level(), "switching key max level ", max_level,
              " is outside 0..", ctx.max_level());
  const std::size_t digits = static_cast<std::size_t>(ctx.digits_at_level(max_level));
  const std::size_t limbs = static_cast<std::size_t>(max_level) + 1 + ctx.special_count();
  return 2 * digits * limbs * ctx.n() * sizeof(uint64_t);
}

int resolve_key_max_level(const Context& ctx, int max_level) {
  HNN_REQUIRE(max_level >= -1 && max_level <= ctx.max_level(), "key max level ", max_level,
              " must be -1 (full) or in 0..", ctx.max_level());
  return max_level < 0 ? ctx.max_level() : max_level;
}

std::size_t GaloisKeys::size_bytes() const {
  std::size_t total = 0;
  for (auto& [g, k] : keys_) total += k.size_bytes();
  return total;
}

}  // namespace hnn::ckks
