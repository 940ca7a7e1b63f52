// HNN_CUDA_CHECK(call, context parts...): every CUDA call is checked; a failure throws CudaError
// naming the call, the error, the context and where.
#pragma once
#include <cuda_runtime.h>

#include <sstream>

#include "hnn/rns/cuda.h"

namespace hnn::cuda {

template <class... Parts>
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line,
                                   const Parts&... context) {
  std::ostringstream os;
  os << call << " failed: " << cudaGetErrorString(err);
  if constexpr (sizeof...(Parts) > 0) {
    os << " (";
    (os << ... << context);
    os << ")";
  }
  os << " [" << file << ":" << line << "]";
  throw CudaError(os.str());
}

inline cudaStream_t stream_of(const Stream& s) { return static_cast<cudaStream_t>(s.native()); }

// Makes the stream's device the calling thread's current one: CUDA refuses a launch, an event
// record or an allocation on a stream of another device, and a thread starts on device 0.
void use_device_of(const Stream& s);

// After every kernel launch: the launch's own error, and with HNN_CUDA_SYNC=1 the kernel's too (the
// stream is waited for), so that a fault names its kernel instead of a later call (debugging and
// the first runs on new hardware; it costs a host wait per launch).
void check_launch(const Stream& s, const char* what);
// Counts a kernel launch (run on a GPU or emulated) for activity().
void note_launch() noexcept;

}  // namespace hnn::cuda

#define HNN_CUDA_CHECK(call, ...)                                                                 \
  do {                                                                                            \
    const cudaError_t hnn_err_ = (call);                                                          \
    if (hnn_err_ != cudaSuccess) {                                                                \
      cudaGetLastError(); /* clear it so later calls do not report it again */                    \
      ::hnn::cuda::throw_cuda_error(hnn_err_, #call, __FILE__, __LINE__ __VA_OPT__(, ) __VA_ARGS__); \
    }                                                                                             \
  } while (0)
