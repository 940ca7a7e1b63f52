// The CUDA NTT's entry points in a build without CUDA: unreachable (no Stream can be made), defined
// so that the CUDA backend's callers link.
#include "hnn/ntt/ntt_cuda.h"

namespace hnn::ntt::cuda {
namespace {
[[noreturn]] void unavailable() {
  throw hnn::cuda::CudaError("this build of hnn has no CUDA backend (configure with -DHNN_CUDA=ON and nvcc)");
}
}  // namespace
DeviceNttPlan::DeviceNttPlan(const std::vector<const NttTables*>&, const hnn::cuda::Stream&) { unavailable(); }
void transform(const DeviceNttPlan&, Direction, uint64_t*, const hnn::cuda::LimbMap&, const hnn::cuda::Stream&) {
  unavailable();
}
void transform(const DeviceNttPlan&, Direction, uint64_t*, const hnn::cuda::Stream&) { unavailable(); }
}  // namespace hnn::ntt::cuda
