// Helpers of the CUDA benchmarks: the device's copy bandwidth, the yardstick of the bandwidth
// floors the benchmarks report (a kernel that must read and write B bytes takes at least
// B / copy_bandwidth).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include "hnn/rns/cuda.h"

namespace hnn::bench {

inline void check_cuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw hnn::cuda::CudaError(std::string(what) + ": " + cudaGetErrorString(err));
}

// Bytes moved per second (read + written) by a device-to-device cudaMemcpyAsync of 1 GiB: the best
// of a few timed copies after a warm-up, measured once per process on device 0.
inline double device_copy_bandwidth() {
  static const double bytes_per_second = [] {
    constexpr std::size_t kBytes = std::size_t{1} << 30;
    hnn::cuda::Stream stream;
    hnn::cuda::DeviceBuffer src(kBytes, stream), dst(kBytes, stream);
    const auto s = static_cast<cudaStream_t>(stream.native());
    check_cuda(cudaMemsetAsync(src.data(), 1, kBytes, s), "cudaMemsetAsync");
    check_cuda(cudaMemcpyAsync(dst.data(), src.data(), kBytes, cudaMemcpyDeviceToDevice, s),
               "cudaMemcpyAsync (warm-up)");
    stream.synchronize();
    hnn::cuda::EventTimer timer(stream);
    double best_ms = 1e30;
    for (int i = 0; i < 5; ++i) {
      timer.start();
      check_cuda(cudaMemcpyAsync(dst.data(), src.data(), kBytes, cudaMemcpyDeviceToDevice, s),
                 "cudaMemcpyAsync");
      best_ms = std::min(best_ms, timer.stop_ms());
    }
    return 2.0 * static_cast<double>(kBytes) / (best_ms * 1e-3);
  }();
  return bytes_per_second;
}

}  // namespace hnn::bench
