// Shared by the gpu suites. Each suite builds twice: as `test_gpu` (label gpu) on GPU 0, skipping
// with one line when no GPU is usable, and as `test_gpu_emulated` (label unit) on the emulated
// device, whose kernels run their per-thread bodies on the host (hnn/rns/cuda.h), so the GPU code
// paths are checked against the CPU on every CI run.
#pragma once
#include <gtest/gtest.h>

#include "hnn/rns/cuda.h"
#include "hnn/rns/rns_poly.h"

#if defined(HNN_GPU_TESTS_EMULATED)
#define HNN_REQUIRE_GPU() \
  do {                    \
  } while (0)
namespace hnn::test {
inline cuda::Stream gpu_stream() { return cuda::Stream::emulated(); }
inline rns::Device gpu_device() { return rns::Device::cuda_emulated(); }
inline constexpr bool kGpuEmulated = true;
}  // namespace hnn::test
#else
#define HNN_REQUIRE_GPU()                                                                   \
  do {                                                                                      \
    if (::hnn::cuda::device_count() == 0) GTEST_SKIP() << "no GPU: " << ::hnn::cuda::describe_device(); \
  } while (0)
namespace hnn::test {
inline cuda::Stream gpu_stream() { return cuda::Stream(0); }
inline rns::Device gpu_device() { return rns::Device::cuda(0); }
inline constexpr bool kGpuEmulated = false;
}  // namespace hnn::test
#endif
