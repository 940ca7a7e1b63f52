// The device layer in a build without CUDA: no devices, and a clear error on any use.
#include "hnn/rns/cuda.h"

namespace hnn::cuda {
namespace {
[[noreturn]] void unavailable() {
  throw CudaError("this build of hnn has no CUDA backend (configure with -DHNN_CUDA=ON and nvcc)");
}
}  // namespace

bool built_with_cuda() noexcept { return false; }
int device_count() noexcept { return 0; }
std::string describe_device(int) { return "this build of hnn has no CUDA backend"; }
Stream::Stream(int) { unavailable(); }
Stream Stream::emulated() { unavailable(); }
Stream Stream::borrow(void*, int, bool) { unavailable(); }
Stream::~Stream() = default;
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
void Stream::synchronize() const { unavailable(); }
EventTimer::EventTimer(const Stream&) { unavailable(); }
EventTimer::~EventTimer() = default;
void EventTimer::start() { unavailable(); }
double EventTimer::stop_ms() { unavailable(); }
MemoryPool MemoryPool::device_default(int) { unavailable(); }
void MemoryPool::keep_freed_memory() { unavailable(); }
DeviceBuffer::DeviceBuffer(std::size_t, const Stream&, const MemoryPool*) { unavailable(); }
DeviceBuffer::~DeviceBuffer() = default;
DeviceBuffer::DeviceBuffer(DeviceBuffer&&) noexcept = default;
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&&) noexcept = default;
DeviceBuffer DeviceBuffer::clone(const Stream&) const { unavailable(); }
void DeviceBuffer::upload(const void*, std::size_t, const Stream&) { unavailable(); }
void DeviceBuffer::download(void*, std::size_t, const Stream&) const { unavailable(); }
void DeviceBuffer::fill_bytes(unsigned char, const Stream&) { unavailable(); }
void DeviceBuffer::release() noexcept {}
void copy_device_to_device(void*, const void*, std::size_t, const Stream&) { unavailable(); }
void copy_host_to_device(void*, const void*, std::size_t, const Stream&) { unavailable(); }
void copy_device_to_host(void*, const void*, std::size_t, const Stream&) { unavailable(); }
Activity activity() noexcept { return {}; }

}  // namespace hnn::cuda

// The element-wise kernels' entry points: unreachable without a device (no Stream can be made),
// defined so that the CUDA backend's callers link in a build without CUDA.
#include "hnn/rns/cuda_poly.h"

namespace hnn::cuda::poly {
namespace {
[[noreturn]] void no_kernels() { throw CudaError("this build of hnn has no CUDA backend (no kernels)"); }
}  // namespace
void binary(Op, const uint64_t*, const uint64_t*, uint64_t*, const rns::Modulus*, std::size_t, std::size_t,
            const Stream&) { no_kernels(); }
void mul_add(const uint64_t*, const uint64_t*, const uint64_t*, uint64_t*, const rns::Modulus*, std::size_t,
             std::size_t, const Stream&) { no_kernels(); }
void tensor(const uint64_t*, const uint64_t*, const uint64_t*, const uint64_t*, uint64_t*, uint64_t*, uint64_t*,
            const rns::Modulus*, std::size_t, std::size_t, const Stream&) { no_kernels(); }
void scalar_halves(Op, uint64_t*, const LimbScalars&, const LimbScalars&, const rns::Modulus*, std::size_t,
                   std::size_t, const Stream&) { no_kernels(); }
void permute(const uint64_t*, const uint32_t*, uint64_t*, std::size_t, std::size_t, const Stream&) { no_kernels(); }
void sub_mul_shoup(const uint64_t*, const uint64_t*, uint64_t*, const LimbScalars&, const LimbScalars&,
                   const rns::Modulus*, std::size_t, std::size_t, const Stream&) { no_kernels(); }
void add_mul_shoup_permuted(uint64_t*, const uint64_t*, const uint32_t*, const LimbScalars&, const LimbScalars&,
                            const rns::Modulus*, std::size_t, std::size_t, const Stream&) { no_kernels(); }
void rescale_subtrahend(const uint64_t*, uint64_t*, const rns::Modulus&, const rns::Modulus*, std::size_t,
                        std::size_t, const Stream&) { no_kernels(); }
void key_switch_inner_product(const PolyPointers&, const PolyPointers&, const PolyPointers&, std::size_t,
                              const uint32_t*, uint64_t*, uint64_t*, const rns::Modulus*, const LimbMap&,
                              std::size_t, const Stream&) { no_kernels(); }
void sum_of_products(const uint64_t* const*, std::size_t, uint64_t*, uint64_t*, const rns::Modulus*, const LimbMap&,
                     std::size_t, const Stream&) { no_kernels(); }
void add_permuted(uint64_t*, const uint64_t*, const uint32_t*, const uint64_t*, const rns::Modulus*, const LimbMap&,
                  std::size_t, const Stream&) { no_kernels(); }
}  // namespace hnn::cuda::poly

namespace hnn::cuda {
DeviceBaseConverter::DeviceBaseConverter(const rns::BaseConverter&, const Stream&) { unavailable(); }
void DeviceBaseConverter::convert(const uint64_t*, uint64_t*, std::size_t, const Stream&) const { unavailable(); }
void DeviceBaseConverter::convert_centered(const uint64_t*, uint64_t*, std::size_t, const Stream&) const {
  unavailable();
}
void DeviceBaseConverter::convert_centered(const uint64_t*, uint64_t*, const LimbMap&, std::size_t,
                                           const Stream&) const { unavailable(); }
}  // namespace hnn::cuda
