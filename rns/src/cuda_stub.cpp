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
Stream::~Stream() = default;
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
void Stream::synchronize() const { unavailable(); }
MemoryPool MemoryPool::device_default(int) { unavailable(); }
DeviceBuffer::DeviceBuffer(std::size_t, const Stream&, const MemoryPool*) { unavailable(); }
DeviceBuffer::~DeviceBuffer() = default;
DeviceBuffer::DeviceBuffer(DeviceBuffer&&) noexcept = default;
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&&) noexcept = default;
DeviceBuffer DeviceBuffer::clone(const Stream&) const { unavailable(); }
void DeviceBuffer::upload(const void*, std::size_t, const Stream&) { unavailable(); }
void DeviceBuffer::download(void*, std::size_t, const Stream&) const { unavailable(); }
void DeviceBuffer::fill_bytes(unsigned char, const Stream&) { unavailable(); }
void DeviceBuffer::release() noexcept {}

}  // namespace hnn::cuda
