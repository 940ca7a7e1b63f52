// The encoder's kernels in a build without CUDA: unreachable (no device stream can be made).
#include "encode_kernels.h"

namespace hnn::ckks::gpu {
namespace {
[[noreturn]] void unavailable() { throw cuda::CudaError("this build of hnn has no CUDA backend (no kernels)"); }
}  // namespace
void special_inverse_fft_stages(double*, std::size_t, const uint32_t*, const double*, std::size_t, const cuda::Stream&) {
  unavailable();
}
void place_rounded(const double*, std::size_t, double, std::size_t, uint64_t*, const rns::Modulus*, const cuda::LimbMap&,
                   std::size_t, const cuda::Stream&) {
  unavailable();
}
}  // namespace hnn::ckks::gpu
