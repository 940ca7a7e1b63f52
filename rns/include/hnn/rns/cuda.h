// The CUDA device layer, declared in plain C++ (no CUDA headers needed to include it).
//
// One owner type for device memory (DeviceBuffer: move-only, stream-ordered cudaMallocAsync from
// an injectable pool, explicit clone), explicit streams everywhere (never the legacy default
// stream), and CudaError for every failing CUDA call, with the bytes asked for on out-of-memory.
// In a build without CUDA, device_count() is 0 and everything else throws CudaError.
#pragma once
#include <cstddef>
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

// A non-blocking stream on one device.
class Stream {
 public:
  explicit Stream(int device = 0);
  ~Stream();
  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void* native() const { return stream_; }  // cudaStream_t
  int device() const { return device_; }
  void synchronize() const;

 private:
  void* stream_ = nullptr;
  int device_ = 0;
};

// A stream-ordered memory pool (cudaMemPool_t). The default is the device's default pool; a caller
// may inject its own (e.g. with a release threshold) and pass it to DeviceBuffer.
class MemoryPool {
 public:
  static MemoryPool device_default(int device = 0);
  explicit MemoryPool(void* cuda_mem_pool) : pool_(cuda_mem_pool) {}
  void* native() const { return pool_; }

 private:
  void* pool_ = nullptr;
};

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

 private:
  void release() noexcept;
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
  void* stream_ = nullptr;  // the stream the memory is freed on
  void* pool_ = nullptr;
};

}  // namespace hnn::cuda
