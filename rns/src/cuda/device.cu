#include "check.cuh"

namespace hnn::cuda {

bool built_with_cuda() noexcept { return true; }

int device_count() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver"/"no device" error
    return 0;
  }
  return count;
}

std::string describe_device(int device) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return std::string("no usable CUDA device: ") + cudaGetErrorString(err);
  }
  if (device >= count) return "no CUDA device " + std::to_string(device) + " (" + std::to_string(count) + " present)";
  cudaDeviceProp prop{};
  HNN_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ")";
}

Stream::Stream(int device) : device_(device) {
  HNN_CUDA_CHECK(cudaSetDevice(device), "device ", device);
  cudaStream_t s = nullptr;
  HNN_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  stream_ = s;
}

Stream::~Stream() {
  if (stream_) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
}

Stream::Stream(Stream&& o) noexcept : stream_(o.stream_), device_(o.device_) { o.stream_ = nullptr; }

Stream& Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    if (stream_) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
    stream_ = o.stream_;
    device_ = o.device_;
    o.stream_ = nullptr;
  }
  return *this;
}

void Stream::synchronize() const { HNN_CUDA_CHECK(cudaStreamSynchronize(stream_of(*this))); }

MemoryPool MemoryPool::device_default(int device) {
  cudaMemPool_t pool = nullptr;
  HNN_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device), "device ", device);
  return MemoryPool(pool);
}

DeviceBuffer::DeviceBuffer(std::size_t bytes, const Stream& stream, const MemoryPool* pool)
    : bytes_(bytes), stream_(stream.native()), pool_(pool ? pool->native() : nullptr) {
  if (bytes == 0) return;
  cudaError_t err = pool_ ? cudaMallocFromPoolAsync(&ptr_, bytes, static_cast<cudaMemPool_t>(pool_), stream_of(stream))
                          : cudaMallocAsync(&ptr_, bytes, stream_of(stream));
  if (err != cudaSuccess) {
    cudaGetLastError();
    ptr_ = nullptr;
    throw CudaError(std::string("device allocation of ") + std::to_string(bytes) + " bytes failed: " +
                    cudaGetErrorString(err) +
                    (err == cudaErrorMemoryAllocation ? " (out of device memory)" : ""));
  }
}

void DeviceBuffer::release() noexcept {
  if (ptr_) cudaFreeAsync(ptr_, static_cast<cudaStream_t>(stream_));
  ptr_ = nullptr;
  bytes_ = 0;
}

DeviceBuffer::~DeviceBuffer() { release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : ptr_(o.ptr_), bytes_(o.bytes_), stream_(o.stream_), pool_(o.pool_) {
  o.ptr_ = nullptr;
  o.bytes_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    release();
    ptr_ = o.ptr_;
    bytes_ = o.bytes_;
    stream_ = o.stream_;
    pool_ = o.pool_;
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

DeviceBuffer DeviceBuffer::clone(const Stream& stream) const {
  const MemoryPool pool(pool_);
  DeviceBuffer out(bytes_, stream, pool_ ? &pool : nullptr);
  if (bytes_) HNN_CUDA_CHECK(cudaMemcpyAsync(out.ptr_, ptr_, bytes_, cudaMemcpyDeviceToDevice, stream_of(stream)));
  return out;
}

void DeviceBuffer::upload(const void* host, std::size_t bytes, const Stream& stream) {
  if (bytes > bytes_) throw CudaError("upload of " + std::to_string(bytes) + " bytes into a " + std::to_string(bytes_) + "-byte buffer");
  HNN_CUDA_CHECK(cudaMemcpyAsync(ptr_, host, bytes, cudaMemcpyHostToDevice, stream_of(stream)));
}

void DeviceBuffer::download(void* host, std::size_t bytes, const Stream& stream) const {
  if (bytes > bytes_) throw CudaError("download of " + std::to_string(bytes) + " bytes from a " + std::to_string(bytes_) + "-byte buffer");
  HNN_CUDA_CHECK(cudaMemcpyAsync(host, ptr_, bytes, cudaMemcpyDeviceToHost, stream_of(stream)));
}

void DeviceBuffer::fill_bytes(unsigned char value, const Stream& stream) {
  if (bytes_) HNN_CUDA_CHECK(cudaMemsetAsync(ptr_, value, bytes_, stream_of(stream)));
}

}  // namespace hnn::cuda
