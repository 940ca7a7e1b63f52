// The CUDA device layer, declared in plain C++ (no CUDA headers needed to include it).
//
// One owner type for device memory (DeviceBuffer: move-only, stream-ordered cudaMallocAsync from
// an injectable pool, explicit clone), explicit streams everywhere (never the legacy default
// stream), and CudaError for every failing CUDA call, with the bytes asked for on out-of-memory.
// In a build without CUDA, device_count() is 0 and everything else throws CudaError.
//
// Emulation: Stream::emulated() is a stream of the CUDA backend that needs no GPU. Its buffers are
// host memory and every kernel launched on it runs its per-thread body on the host, thread after
// thread (block by block and barrier by barrier for the shared-memory kernels). The GPU code paths,
// index arithmetic and orchestration included, are thus tested on every CI run; what emulation
// cannot show (races, launch limits, device intrinsics, speed) waits for the `gpu` tier.
// Emulated buffers start filled with 0xff bytes (never a reduced residue), so a word no kernel
// wrote shows; on a GPU, HNN_CUDA_POISON=1 in the environment does the same.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace hnn::cuda {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether this build has the CUDA backend.
bool built_with_cuda() noexcept;
// Number of usable CUDA devices: 0 without a device, without a driver, or without CUDA support.
int device_count() noexcept;
// One line saying why no GPU is usable (for test skips), or the device's name.
std::string describe_device(int device = 0);

// A non-blocking stream on one device, or an emulated one (see above).
class Stream {
 public:
  explicit Stream(int device = 0);
  // A stream whose kernels run on the host (no GPU, no CUDA call). Available in CUDA builds.
  static Stream emulated();
  // A non-owning view of a stream another object owns (never destroyed through the view).
  static Stream borrow(void* native, int device, bool emulated);
  ~Stream();
  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void* native() const { return stream_; }  // cudaStream_t (null when emulated)
  int device() const { return device_; }
  bool is_emulated() const { return emulated_; }
  void synchronize() const;

 private:
  struct Raw {};
  explicit Stream(Raw) {}
  void* stream_ = nullptr;
  int device_ = 0;
  bool emulated_ = false;
  bool owned_ = true;
};

// Elapsed device time between two points of a stream, from CUDA events (benchmarks time with it,
// never with host clocks).
class EventTimer {
 public:
  explicit EventTimer(const Stream& stream);
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start();      // records the start event on the stream
  double stop_ms();  // records the stop event, waits for it, returns the milliseconds since start()

 private:
  void* stream_ = nullptr;
  int device_ = 0;
  void* start_ = nullptr;
  void* stop_ = nullptr;
};

// A stream-ordered memory pool (cudaMemPool_t). The default is the device's default pool; a caller
// may inject its own (e.g. with a release threshold) and pass it to DeviceBuffer.
class MemoryPool {
 public:
  static MemoryPool device_default(int device = 0);
  explicit MemoryPool(void* cuda_mem_pool) : pool_(cuda_mem_pool) {}
  void* native() const { return pool_; }
  // Freed memory stays in the pool instead of going back to the driver at every synchronization
  // (the release threshold is 0 by default): hot loops then reuse mapped memory.
  void keep_freed_memory();

 private:
  void* pool_ = nullptr;
};

// A buffer is freed on the stream it was allocated on: that stream must outlive it.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // Allocates `bytes` on the stream (from `pool`, or the device's default pool).
  DeviceBuffer(std::size_t bytes, const Stream& stream, const MemoryPool* pool = nullptr);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // An explicit deep copy, ordered on `stream`.
  DeviceBuffer clone(const Stream& stream) const;
  void upload(const void* host, std::size_t bytes, const Stream& stream);
  void download(void* host, std::size_t bytes, const Stream& stream) const;
  // Sets every byte to `value` (e.g. to poison outputs in tests).
  void fill_bytes(unsigned char value, const Stream& stream);

  void* data() { return ptr_; }
  const void* data() const { return ptr_; }
  template <class T>
  T* as() { return static_cast<T*>(ptr_); }
  template <class T>
  const T* as() const { return static_cast<const T*>(ptr_); }
  std::size_t size() const { return bytes_; }
  bool is_emulated() const { return emulated_; }
  // A view of the stream the buffer was allocated on (and is freed on).
  Stream stream() const { return Stream::borrow(stream_, device_, emulated_); }

 private:
  void release() noexcept;
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
  void* stream_ = nullptr;  // the stream the memory is freed on
  void* pool_ = nullptr;
  int device_ = 0;
  bool emulated_ = false;
};

// Raw copies ordered on `stream` (device pointers from DeviceBuffers of that stream's kind).
// A host-to-device copy has read `host` when it returns (the caller may reuse or free it; small
// copies are staged, large ones waited for); a device-to-host copy has landed only after
// stream.synchronize().
void copy_device_to_device(void* dst, const void* src, std::size_t bytes, const Stream& stream);
void copy_host_to_device(void* dst, const void* host, std::size_t bytes, const Stream& stream);
void copy_device_to_host(void* host, const void* src, std::size_t bytes, const Stream& stream);

// What this process has asked of the CUDA backend so far, the emulated device included: kernel
// launches, host waits (Stream::synchronize), and copies each way. For plans (launches per
// bootstrap) and tests (an operation on the device never waits for it). Zero without CUDA.
struct Activity {
  std::uint64_t launches = 0, host_waits = 0, uploads = 0, upload_bytes = 0, downloads = 0;
  friend Activity operator-(const Activity& a, const Activity& b) {
    return {a.launches - b.launches, a.host_waits - b.host_waits, a.uploads - b.uploads,
            a.upload_bytes - b.upload_bytes, a.downloads - b.downloads};
  }
};
Activity activity() noexcept;

}  // namespace hnn::cuda
