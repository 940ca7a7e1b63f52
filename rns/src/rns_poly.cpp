#include "hnn/rns/rns_poly.h"

#include <omp.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "hnn/rns/parallel.h"

namespace hnn::rns {
namespace {

struct Pool {
  std::mutex mutex;
  std::multimap<std::size_t, uint64_t*> free;  // words -> buffer
  std::size_t cached_bytes = 0;
  std::size_t limit_bytes = std::size_t{2} << 30;
  Pool() {
    if (const char* mib = std::getenv("HNN_POOL_MIB")) limit_bytes = std::stoull(mib) << 20;
  }
};

Pool& pool() {
  // Process-wide and never destroyed: polynomials in other static objects may be released during
  // static destruction, after a function-local static pool would already be gone.
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

uint64_t* WordPool::acquire(std::size_t& words) {
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    // Best fit up to 1.5x: the limb count of temporaries changes with the level, and an exact-size
    // match alone missed often enough that page faults on fresh buffers took ~19 % of a logN 16
    // bootstrap (perf, clear_page in the kernel).
    auto it = p.free.lower_bound(words);
    if (it != p.free.end() && it->first <= words + words / 2) {
      uint64_t* buf = it->second;
      words = it->first;
      p.free.erase(it);
      p.cached_bytes -= words * sizeof(uint64_t);
      return buf;
    }
  }
  return static_cast<uint64_t*>(::operator new(words * sizeof(uint64_t), std::align_val_t{64}));
}

void WordPool::release(uint64_t* buf, std::size_t words) noexcept {
  Pool& p = pool();
  const std::size_t bytes = words * sizeof(uint64_t);
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    if (p.cached_bytes + bytes <= p.limit_bytes) {
      p.free.emplace(words, buf);
      p.cached_bytes += bytes;
      return;
    }
  }
  ::operator delete(buf, std::align_val_t{64});
}

RnsPoly::RnsPoly(std::size_t n, std::size_t limbs, Domain domain, Uninitialized, const cuda::Stream& stream)
    : n_(n), limbs_(limbs), capacity_(n * limbs), domain_(domain),
      device_(stream.is_emulated() ? Device::cuda_emulated() : Device::cuda(stream.device())),
      device_words_(n * limbs * sizeof(uint64_t), stream) {
  words_ = device_words_.as<uint64_t>();
}

RnsPoly RnsPoly::clone(std::size_t limbs) const {
  HNN_ASSERT(limbs <= limbs_, "cannot clone ", limbs, " limbs of a ", limbs_, "-limb polynomial");
  if (device_.is_cpu()) {
    RnsPoly out(n_, limbs, domain_, Uninitialized{});
    copy_limbs(out.words_, words_, limbs, n_);
    return out;
  }
  const cuda::Stream s = stream();
  RnsPoly out(n_, limbs, domain_, Uninitialized{}, s);
  cuda::copy_device_to_device(out.words_, words_, n_ * limbs * sizeof(uint64_t), s);
  return out;
}

std::size_t limb_parts(std::size_t limbs, std::size_t n) {
  if (omp_in_parallel() || n < 32 || n % 16 != 0) return 1;
  const int threads = omp_get_max_threads();
  return threads > 1 && limbs % static_cast<std::size_t>(threads) != 0 ? 2 : 1;
}

void copy_limbs(uint64_t* dst, const uint64_t* src, std::size_t limbs, std::size_t n) {
  if (n < 4096) {
    std::copy(src, src + limbs * n, dst);
    return;
  }
  for_each_limb_part(limbs, n, [&](std::size_t i, std::size_t b, std::size_t e) {
    std::copy(src + i * n + b, src + i * n + e, dst + i * n + b);
  });
}

RnsPoly RnsPoly::to_device(const cuda::Stream& stream) const {
  HNN_REQUIRE(device_.is_cpu(), "to_device: the polynomial is already on ", device_.name(),
              " (use clone(), or to_host() first)");
  RnsPoly out(n_, limbs_, domain_, Uninitialized{}, stream);
  cuda::copy_host_to_device(out.words_, words_, size() * sizeof(uint64_t), stream);
  return out;
}

RnsPoly RnsPoly::to_host() const {
  HNN_REQUIRE(device_.is_cuda(), "to_host: the polynomial is already on the host");
  RnsPoly out(n_, limbs_, domain_, Uninitialized{});
  const cuda::Stream s = stream();
  cuda::copy_device_to_host(out.words_, words_, size() * sizeof(uint64_t), s);
  s.synchronize();
  return out;
}

RnsPoly RnsPoly::uninitialized_like(std::size_t limbs) const {
  if (device_.is_cpu()) return RnsPoly(n_, limbs, domain_, Uninitialized{});
  return RnsPoly(n_, limbs, domain_, Uninitialized{}, stream());
}

void RnsPoly::zero() {
  if (device_.is_cpu()) {
    if (n_ < 4096) {
      std::fill(words_, words_ + size(), uint64_t{0});
      return;
    }
    for_each_limb_part(limbs_, n_, [&](std::size_t i, std::size_t b, std::size_t e) {
      std::fill(words_ + i * n_ + b, words_ + i * n_ + e, uint64_t{0});
    });
    return;
  }
  device_words_.fill_bytes(0, stream());
}

std::size_t WordPool::cached_bytes() {
  std::lock_guard<std::mutex> lock(pool().mutex);
  return pool().cached_bytes;
}

void WordPool::trim() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (auto& [w, b] : p.free) ::operator delete(b, std::align_val_t{64});
  p.free.clear();
  p.cached_bytes = 0;
}

}  // namespace hnn::rns
