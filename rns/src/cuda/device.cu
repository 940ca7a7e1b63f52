#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

#include "check.cuh"
#include "hnn/rns/error.h"

namespace hnn::cuda {

namespace {
bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && *v != '0';
}
// HNN_CUDA_POISON=1 fills every new device buffer with 0xff bytes (2^64 - 1 is never a reduced
// residue), so tests can tell a word no kernel wrote. Emulated buffers are always poisoned.
bool poison_allocations() {
  static const bool on = env_flag("HNN_CUDA_POISON");
  return on;
}
bool sync_after_launch() {  // HNN_CUDA_SYNC=1: see check_launch
  static const bool on = env_flag("HNN_CUDA_SYNC");
  return on;
}

std::atomic<std::uint64_t> launches{0}, host_waits{0}, uploads{0}, upload_bytes{0}, downloads{0};
}  // namespace

void note_launch() noexcept { launches.fetch_add(1, std::memory_order_relaxed); }

Activity activity() noexcept {
  return {launches.load(std::memory_order_relaxed), host_waits.load(std::memory_order_relaxed),
          uploads.load(std::memory_order_relaxed), upload_bytes.load(std::memory_order_relaxed),
          downloads.load(std::memory_order_relaxed)};
}

void check_launch(const Stream& s, const char* what) {
  HNN_CUDA_CHECK(cudaGetLastError(), what);
  if (sync_after_launch()) HNN_CUDA_CHECK(cudaStreamSynchronize(stream_of(s)), what, " (HNN_CUDA_SYNC: the kernel itself)");
}

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

void use_device_of(const Stream& s) {
  if (s.is_emulated()) return;
  int current = -1;
  HNN_CUDA_CHECK(cudaGetDevice(&current));
  if (current != s.device()) HNN_CUDA_CHECK(cudaSetDevice(s.device()), "device ", s.device());
}

Stream Stream::emulated() {
  Stream s{Raw{}};
  s.emulated_ = true;
  return s;
}

Stream Stream::borrow(void* native, int device, bool emulated) {
  Stream s{Raw{}};
  s.stream_ = native;
  s.device_ = device;
  s.emulated_ = emulated;
  s.owned_ = false;
  return s;
}

namespace {
// Destructors cannot throw: a failure is cleared, so that the next check does not blame another call.
void destroy_stream(void* s) noexcept {
  if (s && cudaStreamDestroy(static_cast<cudaStream_t>(s)) != cudaSuccess) cudaGetLastError();
}
void destroy_event(void* e) noexcept {
  if (e && cudaEventDestroy(static_cast<cudaEvent_t>(e)) != cudaSuccess) cudaGetLastError();
}
}  // namespace

Stream::~Stream() {
  if (owned_) destroy_stream(stream_);
}

Stream::Stream(Stream&& o) noexcept
    : stream_(o.stream_), device_(o.device_), emulated_(o.emulated_), owned_(o.owned_) {
  o.stream_ = nullptr;
}

Stream& Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    if (owned_) destroy_stream(stream_);
    stream_ = o.stream_;
    device_ = o.device_;
    emulated_ = o.emulated_;
    owned_ = o.owned_;
    o.stream_ = nullptr;
  }
  return *this;
}

void Stream::synchronize() const {
  host_waits.fetch_add(1, std::memory_order_relaxed);
  if (!emulated_) HNN_CUDA_CHECK(cudaStreamSynchronize(stream_of(*this)));
}

EventTimer::EventTimer(const Stream& stream) : stream_(stream.native()), device_(stream.device()) {
  HNN_REQUIRE(!stream.is_emulated(), "CUDA events time a GPU stream, not an emulated one");
  use_device_of(stream);
  cudaEvent_t a = nullptr, b = nullptr;
  HNN_CUDA_CHECK(cudaEventCreate(&a));
  const cudaError_t err = cudaEventCreate(&b);
  if (err != cudaSuccess) destroy_event(a);
  HNN_CUDA_CHECK(err);
  start_ = a;
  stop_ = b;
}

EventTimer::~EventTimer() {
  destroy_event(start_);
  destroy_event(stop_);
}

void EventTimer::start() {
  use_device_of(Stream::borrow(stream_, device_, false));
  HNN_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(start_), static_cast<cudaStream_t>(stream_)));
}

double EventTimer::stop_ms() {
  HNN_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(stop_), static_cast<cudaStream_t>(stream_)));
  HNN_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(stop_)));
  float ms = 0;
  HNN_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start_), static_cast<cudaEvent_t>(stop_)));
  return ms;
}

void MemoryPool::keep_freed_memory() {
  uint64_t threshold = UINT64_MAX;
  HNN_CUDA_CHECK(cudaMemPoolSetAttribute(static_cast<cudaMemPool_t>(pool_), cudaMemPoolAttrReleaseThreshold, &threshold));
}

MemoryPool MemoryPool::device_default(int device) {
  cudaMemPool_t pool = nullptr;
  HNN_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device), "device ", device);
  return MemoryPool(pool);
}

DeviceBuffer::DeviceBuffer(std::size_t bytes, const Stream& stream, const MemoryPool* pool)
    : bytes_(bytes), stream_(stream.native()), pool_(pool ? pool->native() : nullptr),
      device_(stream.device()), emulated_(stream.is_emulated()) {
  if (bytes == 0) return;
  if (emulated_) {
    try {
      ptr_ = ::operator new(bytes, std::align_val_t{64});
    } catch (const std::bad_alloc&) {
      throw CudaError("emulated device allocation of " + std::to_string(bytes) + " bytes failed (out of host memory)");
    }
    std::memset(ptr_, 0xff, bytes);  // poisoned: a word no kernel wrote is never a reduced residue
    return;
  }
  use_device_of(stream);
  cudaError_t err = pool_ ? cudaMallocFromPoolAsync(&ptr_, bytes, static_cast<cudaMemPool_t>(pool_), stream_of(stream))
                          : cudaMallocAsync(&ptr_, bytes, stream_of(stream));
  if (err != cudaSuccess) {
    cudaGetLastError();
    ptr_ = nullptr;
    throw CudaError(std::string("device allocation of ") + std::to_string(bytes) + " bytes failed: " +
                    cudaGetErrorString(err) +
                    (err == cudaErrorMemoryAllocation ? " (out of device memory)" : ""));
  }
  if (poison_allocations()) HNN_CUDA_CHECK(cudaMemsetAsync(ptr_, 0xff, bytes, stream_of(stream)));
}

void DeviceBuffer::release() noexcept {
  if (ptr_ && emulated_) {
    ::operator delete(ptr_, std::align_val_t{64});
  } else if (ptr_ && cudaFreeAsync(ptr_, static_cast<cudaStream_t>(stream_)) != cudaSuccess) {
    cudaGetLastError();  // a destructor cannot throw: clear it so the next check does not blame another call
  }
  ptr_ = nullptr;
  bytes_ = 0;
}

DeviceBuffer::~DeviceBuffer() { release(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : ptr_(o.ptr_), bytes_(o.bytes_), stream_(o.stream_), pool_(o.pool_), device_(o.device_), emulated_(o.emulated_) {
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
    device_ = o.device_;
    emulated_ = o.emulated_;
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

DeviceBuffer DeviceBuffer::clone(const Stream& stream) const {
  const MemoryPool pool(pool_);
  DeviceBuffer out(bytes_, stream, pool_ ? &pool : nullptr);
  copy_device_to_device(out.ptr_, ptr_, bytes_, stream);
  return out;
}

void DeviceBuffer::upload(const void* host, std::size_t bytes, const Stream& stream) {
  if (bytes > bytes_) throw CudaError("upload of " + std::to_string(bytes) + " bytes into a " + std::to_string(bytes_) + "-byte buffer");
  copy_host_to_device(ptr_, host, bytes, stream);
}

void DeviceBuffer::download(void* host, std::size_t bytes, const Stream& stream) const {
  if (bytes > bytes_) throw CudaError("download of " + std::to_string(bytes) + " bytes from a " + std::to_string(bytes_) + "-byte buffer");
  copy_device_to_host(host, ptr_, bytes, stream);
}

void DeviceBuffer::fill_bytes(unsigned char value, const Stream& stream) {
  if (!bytes_) return;
  if (stream.is_emulated()) {
    std::memset(ptr_, value, bytes_);
    return;
  }
  use_device_of(stream);
  HNN_CUDA_CHECK(cudaMemsetAsync(ptr_, value, bytes_, stream_of(stream)));
}

namespace {
void copy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, const Stream& stream) {
  if (bytes == 0) return;
  if (stream.is_emulated()) std::memcpy(dst, src, bytes);
  else HNN_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream_of(stream)), bytes, " bytes");
}
}  // namespace

void copy_device_to_device(void* dst, const void* src, std::size_t bytes, const Stream& stream) {
  copy(dst, src, bytes, cudaMemcpyDeviceToDevice, stream);
}
// cudaMemcpyAsync from pageable memory only "might be" synchronous (the driver may wait for the
// stream to stage it), and from pinned memory it is not: the caller's words may still be read after
// the call returns. A small upload (slot values, pointer tables: the hot ones) is copied into a
// pinned staging block, reused once an event recorded behind its copy has completed, so neither
// the host nor the stream waits; a large one (keys, tables, polynomials: rare) waits for its copy.
namespace {
constexpr std::size_t kStagedUploadBytes = std::size_t{1} << 20;
constexpr std::size_t kSmallestStagingBlock = std::size_t{64} << 10;

struct StagingBlock {
  void* words = nullptr;  // pinned (cudaHostAlloc), kept for the process's life
  std::size_t capacity = 0;
  cudaEvent_t copied = nullptr;
  int device = 0;  // an event records on streams of the device it was made on
};
std::mutex staging_mutex;
std::vector<StagingBlock> in_flight, idle;

// Moves the blocks whose copies have completed to `idle` (a failed query too: a device in error
// runs no more copies). Under staging_mutex.
void reclaim_staging() noexcept {
  const auto done = std::partition(in_flight.begin(), in_flight.end(), [](const StagingBlock& b) {
    const cudaError_t e = cudaEventQuery(b.copied);
    if (e != cudaSuccess) cudaGetLastError();  // cudaErrorNotReady is not an error: leave none behind
    return e == cudaErrorNotReady;
  });
  idle.insert(idle.end(), done, in_flight.end());
  in_flight.erase(done, in_flight.end());
}

// The smallest idle block of `device` holding `bytes`, else a new one. Under staging_mutex.
StagingBlock take_staging(std::size_t bytes, int device) {
  reclaim_staging();
  auto best = idle.end();
  for (auto it = idle.begin(); it != idle.end(); ++it)
    if (it->device == device && it->capacity >= bytes && (best == idle.end() || it->capacity < best->capacity)) best = it;
  if (best != idle.end()) {
    const StagingBlock b = *best;
    idle.erase(best);
    return b;
  }
  StagingBlock b;
  b.device = device;
  for (b.capacity = kSmallestStagingBlock; b.capacity < bytes;) b.capacity *= 2;
  HNN_CUDA_CHECK(cudaHostAlloc(&b.words, b.capacity, cudaHostAllocPortable), "upload staging of ", b.capacity, " bytes");
  const cudaError_t err = cudaEventCreateWithFlags(&b.copied, cudaEventDisableTiming);
  if (err != cudaSuccess) {
    if (cudaFreeHost(b.words) != cudaSuccess) cudaGetLastError();
    HNN_CUDA_CHECK(err, "upload staging event");
  }
  return b;
}
}  // namespace

void copy_host_to_device(void* dst, const void* host, std::size_t bytes, const Stream& stream) {
  if (bytes == 0) return;
  uploads.fetch_add(1, std::memory_order_relaxed);
  upload_bytes.fetch_add(bytes, std::memory_order_relaxed);
  if (stream.is_emulated() || bytes > kStagedUploadBytes) {
    copy(dst, host, bytes, cudaMemcpyHostToDevice, stream);
    if (bytes > kStagedUploadBytes) stream.synchronize();  // on the emulated device a no-op, counted alike
    return;
  }
  use_device_of(stream);
  std::lock_guard<std::mutex> lock(staging_mutex);
  const StagingBlock b = take_staging(bytes, stream.device());
  // Room before the copy, so that the block cannot get lost after it (growth stays geometric).
  if (in_flight.size() == in_flight.capacity()) in_flight.reserve(std::max<std::size_t>(16, 2 * in_flight.capacity()));
  std::memcpy(b.words, host, bytes);
  cudaError_t err = cudaMemcpyAsync(dst, b.words, bytes, cudaMemcpyHostToDevice, stream_of(stream));
  if (err == cudaSuccess) err = cudaEventRecord(b.copied, stream_of(stream));
  if (err != cudaSuccess) {
    cudaStreamSynchronize(stream_of(stream));  // nothing queued may still read the block
    cudaGetLastError();
    idle.push_back(b);
    HNN_CUDA_CHECK(err, "upload of ", bytes, " bytes");
  }
  in_flight.push_back(b);
}
void copy_device_to_host(void* host, const void* src, std::size_t bytes, const Stream& stream) {
  if (bytes != 0) downloads.fetch_add(1, std::memory_order_relaxed);
  copy(host, src, bytes, cudaMemcpyDeviceToHost, stream);
}

}  // namespace hnn::cuda
