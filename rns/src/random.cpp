#include "hnn/rns/random.h"

#include <sodium.h>

#include <bit>
#include <cstring>

#include "hnn/rns/error.h"

namespace hnn::rns {
namespace {
void ensure_sodium() {
  static const int ok = sodium_init();
  HNN_ASSERT(ok >= 0, "libsodium failed to initialise");
}
}  // namespace

Prng::Prng() {
  ensure_sodium();
  randombytes_buf(key_.data(), key_.size());
}

Prng::Prng(const Seed& seed) : key_(seed) { ensure_sodium(); }

Prng Prng::insecure_from_seed_for_testing(const Seed& seed) { return Prng(seed); }

Prng Prng::public_stream(const Seed& seed) { return Prng(seed); }

Prng::Seed Prng::next_seed() {
  Seed s;
  fill(s.data(), s.size());
  return s;
}

Prng Prng::fork() {
  Seed s;
  fill(s.data(), s.size());
  Prng child(s);
  sodium_memzero(s.data(), s.size());
  return child;
}

Prng::Seed Prng::os_seed() {
  ensure_sodium();
  Seed s;
  randombytes_buf(s.data(), s.size());
  return s;
}

Prng::~Prng() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(buffer_.data(), buffer_.size());
}

Prng::Prng(Prng&& o) noexcept : key_(o.key_), counter_(o.counter_), buffer_(o.buffer_), pos_(o.pos_) {
  sodium_memzero(o.key_.data(), o.key_.size());
  o.pos_ = o.buffer_.size();
}

Prng& Prng::operator=(Prng&& o) noexcept {
  if (this != &o) {
    key_ = o.key_;
    counter_ = o.counter_;
    buffer_ = o.buffer_;
    pos_ = o.pos_;
    sodium_memzero(o.key_.data(), o.key_.size());
    o.pos_ = o.buffer_.size();
  }
  return *this;
}

void Prng::refill() {
  // One 96-bit nonce per 4 KiB block: the counter in the low 8 bytes.
  uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {};
  std::memcpy(nonce, &counter_, sizeof(counter_));
  ++counter_;
  crypto_stream_chacha20_ietf(buffer_.data(), buffer_.size(), nonce, key_.data());
  pos_ = 0;
}

void Prng::fill(uint8_t* out, std::size_t len) {
  while (len > 0) {
    if (pos_ == buffer_.size()) refill();
    std::size_t take = std::min(len, buffer_.size() - pos_);
    std::memcpy(out, buffer_.data() + pos_, take);
    pos_ += take;
    out += take;
    len -= take;
  }
}

uint64_t Prng::next_u64() {
  if (buffer_.size() - pos_ < 8) refill();
  uint64_t v;
  std::memcpy(&v, buffer_.data() + pos_, 8);
  pos_ += 8;
  return v;
}

uint64_t Prng::uniform(uint64_t q) {
  HNN_ASSERT(q > 1, "uniform sampling needs q > 1");
  const uint64_t mask = ~uint64_t{0} >> std::countl_zero(q - 1);
  for (;;) {
    uint64_t v = next_u64() & mask;
    if (v < q) return v;
  }
}

void sample_ternary(Prng& prng, int8_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n;) {
    uint64_t w = prng.next_u64();
    for (int b = 0; b < 8 && i < n; ++b, w >>= 8) {
      const uint8_t byte = static_cast<uint8_t>(w);
      if (byte >= 255) continue;  // 255 = 3 * 85: reject to stay exactly uniform
      out[i++] = static_cast<int8_t>(byte % 3) - 1;
    }
  }
}

void sample_sparse_ternary(Prng& prng, int8_t* out, std::size_t n, std::size_t h) {
  HNN_REQUIRE(h <= n, "Hamming weight ", h, " exceeds the ring degree ", n);
  std::vector<uint32_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(i);
  std::memset(out, 0, n);
  // Partial Fisher-Yates: the first h entries are a uniform h-subset.
  for (std::size_t i = 0; i < h; ++i) {
    std::size_t j = i + prng.uniform(n - i);
    std::swap(idx[i], idx[j]);
    out[idx[i]] = (prng.next_u64() & 1) ? 1 : -1;
  }
}

void sample_noise_cbd(Prng& prng, int8_t* out, std::size_t n) {
  constexpr uint64_t kMask21 = (uint64_t{1} << 21) - 1;
  for (std::size_t i = 0; i < n; ++i) {
    const uint64_t w = prng.next_u64();
    out[i] = static_cast<int8_t>(std::popcount(w & kMask21) - std::popcount((w >> 21) & kMask21));
  }
}

}  // namespace hnn::rns
