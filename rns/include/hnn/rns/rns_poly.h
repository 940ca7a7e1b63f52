// RnsPoly: a polynomial of degree < N in RNS form.
//
// Layout: limb-major, limb i occupies words [i*N, (i+1)*N); each word is reduced modulo limb i's
// prime. The domain flag says whether the words are coefficients or NTT (evaluation) values, in
// the order documented in hnn/ntt/ntt.h. Move-only: copying is the explicit clone().
//
// A polynomial lives on the host (the CPU backend) or on a CUDA device (or the emulated one, see
// hnn/rns/cuda.h). On a device, limb() and data() are device pointers: only the CUDA backend's
// kernels read them; to_host() brings the words back.
#pragma once
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <span>
#include <string>

#include "hnn/rns/cuda.h"
#include "hnn/rns/error.h"

namespace hnn::rns {

enum class Domain : uint8_t { Coefficient = 0, Ntt = 1 };

// Where the words live. The CPU backend is the reference; the CUDA backend must give the same words.
struct Device {
  enum class Kind : uint8_t { Cpu = 0, Cuda = 1, CudaEmulated = 2 };
  Kind kind = Kind::Cpu;
  int index = 0;
  static Device cpu() { return {}; }
  static Device cuda(int index = 0) { return {Kind::Cuda, index}; }
  // The CUDA backend's kernels run on the host, thread by thread: its code paths without a GPU.
  static Device cuda_emulated() { return {Kind::CudaEmulated, 0}; }
  bool is_cpu() const { return kind == Kind::Cpu; }
  bool is_cuda() const { return kind != Kind::Cpu; }  // the CUDA backend, real or emulated
  std::string name() const {
    return kind == Kind::Cpu ? "cpu" : kind == Kind::Cuda ? "cuda:" + std::to_string(index) : "cuda-emulated";
  }
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
  RnsPoly(std::size_t n, std::size_t limbs, Domain domain) : RnsPoly(n, limbs, domain, Uninitialized{}) { zero(); }
  // Contents unspecified: for outputs that are fully overwritten.
  RnsPoly(std::size_t n, std::size_t limbs, Domain domain, Uninitialized)
      : n_(n), limbs_(limbs), capacity_(n * limbs), domain_(domain),
        words_(capacity_ ? WordPool::acquire(capacity_) : nullptr) {}
  // On the CUDA device of `stream` (or emulated), contents unspecified; ordered on `stream`.
  RnsPoly(std::size_t n, std::size_t limbs, Domain domain, Uninitialized, const cuda::Stream& stream);
  ~RnsPoly() {
    if (words_ && device_.is_cpu()) WordPool::release(words_, capacity_);
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
  // On a device, the copy is ordered on the stream the words were allocated on.
  RnsPoly clone(std::size_t limbs) const;

  // A copy on a CUDA device (or the emulated one), ordered on `stream`; and back to the host
  // (waits for the stream). Both keep the shape and the domain.
  RnsPoly to_device(const cuda::Stream& stream) const;
  RnsPoly to_host() const;
  // Sets every word to zero (on whichever device the words live).
  void zero();
  // A polynomial of `limbs` limbs with this one's N, domain and device (on a device: the same
  // stream), contents unspecified; or all zero.
  RnsPoly uninitialized_like(std::size_t limbs) const;
  RnsPoly zeros_like(std::size_t limbs) const {
    RnsPoly z = uninitialized_like(limbs);
    z.zero();
    return z;
  }

  std::size_t n() const { return n_; }
  std::size_t limbs() const { return limbs_; }
  Domain domain() const { return domain_; }
  void set_domain(Domain d) { domain_ = d; }
  Device device() const { return device_; }
  bool on_device() const { return device_.is_cuda(); }
  // The stream a device polynomial's words were allocated on (a non-owning view).
  cuda::Stream stream() const { return device_words_.stream(); }
  bool empty() const { return limbs_ == 0; }
  // Bytes of its words, from the shape: the same wherever the words live (host or device).
  std::size_t size_bytes() const { return size() * sizeof(uint64_t); }

  // Host words: a polynomial on a device refuses them (InternalError), so that no host loop ever
  // reads device memory; the CUDA backend takes device_data() / device_limb() instead.
  uint64_t* limb(std::size_t i) { return host_words() + i * n_; }
  const uint64_t* limb(std::size_t i) const { return host_words() + i * n_; }
  std::span<uint64_t> words() { return {host_words(), size()}; }
  std::span<const uint64_t> words() const { return {host_words(), size()}; }
  uint64_t* data() { return host_words(); }
  const uint64_t* data() const { return host_words(); }
  // Device pointers of a polynomial on a CUDA device (or the emulated one).
  uint64_t* device_data() { return device_words(); }
  const uint64_t* device_data() const { return device_words(); }
  uint64_t* device_limb(std::size_t i) { return device_words() + i * n_; }
  const uint64_t* device_limb(std::size_t i) const { return device_words() + i * n_; }

  // Keep the first `limbs` limbs (dropping moduli from the top of the chain).
  void truncate_limbs(std::size_t limbs) {
    HNN_ASSERT(limbs <= limbs_, "cannot grow a polynomial by truncation");
    limbs_ = limbs;
  }

 private:
  std::size_t size() const { return n_ * limbs_; }
  uint64_t* host_words() const {
    HNN_ASSERT(device_.is_cpu(), "host access to the words of a polynomial on ", device_.name(),
               " (a CPU code path was given a device operand)");
    return words_;
  }
  uint64_t* device_words() const {
    HNN_ASSERT(device_.is_cuda(), "device access to the words of a polynomial on the host");
    return words_;
  }
  void swap(RnsPoly& o) noexcept {
    std::swap(n_, o.n_);
    std::swap(limbs_, o.limbs_);
    std::swap(capacity_, o.capacity_);
    std::swap(domain_, o.domain_);
    std::swap(words_, o.words_);
    std::swap(device_, o.device_);
    std::swap(device_words_, o.device_words_);
  }
  std::size_t n_ = 0;
  std::size_t limbs_ = 0;
  std::size_t capacity_ = 0;
  Domain domain_ = Domain::Coefficient;
  uint64_t* words_ = nullptr;
  Device device_{};
  cuda::DeviceBuffer device_words_;  // owns words_ on a device; empty on the host
};

// dst[0, limbs n) = src[0, limbs n), limb by limb on all threads (host words; the ranges do not
// overlap). A serial copy of a ciphertext leaves the other threads waiting.
void copy_limbs(uint64_t* dst, const uint64_t* src, std::size_t limbs, std::size_t n);

}  // namespace hnn::rns
