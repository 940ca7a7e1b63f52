#pragma once
// HNN_HD marks per-element arithmetic that runs on the host and, under nvcc, on the device.
// The CPU tests exercise exactly these functions, so the CUDA kernels share their arithmetic.
#if defined(__CUDACC__)
#define HNN_HD __host__ __device__ __forceinline__
#else
#define HNN_HD inline __attribute__((always_inline))
#endif
