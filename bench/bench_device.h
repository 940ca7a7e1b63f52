// The device of the GPU benchmark cases (hnn-bench-cuda, BM_CudaBootstrap), their timer and their
// activity counters. Plain C++: no CUDA header, so the bootstrap benchmark builds without CUDA too.
//
// HNN_BENCH_DEVICE=cuda-emulated runs the GPU cases on the emulated device (the CUDA backend's
// kernels run on the host, thread by thread; hnn/rns/cuda.h), timed by the host's clock. Those times
// are not GPU figures and the cases say so in their label ("EMULATED"); the mode exists so that CI
// runs every GPU case's set-up, operations and counters before a GPU does (bench/check_bench.cmake),
// and so that the launch and host-wait counts, which do not depend on the device, can be read
// without one. Unset (or "cuda"), the cases run on CUDA device 0 and skip where none is usable.
#pragma once
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "hnn/rns/cuda.h"
#include "hnn/rns/error.h"
#include "hnn/rns/rns_poly.h"

namespace hnn::bench {

inline bool emulated() {
  static const bool on = [] {
    const char* env = std::getenv("HNN_BENCH_DEVICE");
    const std::string_view v = env ? env : "";
    if (v.empty() || v == "cuda") return false;
    if (v == "cuda-emulated") return true;
    HNN_THROW(InvalidArgument, "HNN_BENCH_DEVICE='", v, "': use cuda (the default) or cuda-emulated");
  }();
  return on;
}

inline rns::Device gpu_device() {
  return emulated() ? rns::Device::cuda_emulated() : rns::Device::cuda(0);
}

inline constexpr const char* kEmulatedLabel = "EMULATED (host time of the CUDA code on the CPU, not a GPU figure)";

// Skips the case, with one line, when it is to run on a GPU and none is usable.
inline bool skip_without_gpu(benchmark::State& state) {
  if (emulated() || cuda::device_count() > 0) return false;
  state.SkipWithError(("no GPU: " + cuda::describe_device()).c_str());
  return true;
}

// Device time from CUDA events on a GPU stream; on an emulated stream (whose kernels have run
// when their launch returns) the host's steady clock.
class DeviceTimer {
 public:
  explicit DeviceTimer(const cuda::Stream& stream) {
    if (!stream.is_emulated()) events_.emplace(stream);
  }
  void start() {
    if (events_) events_->start();
    else t0_ = std::chrono::steady_clock::now();
  }
  double stop_s() {
    if (events_) return events_->stop_ms() * 1e-3;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::optional<cuda::EventTimer> events_;
  std::chrono::steady_clock::time_point t0_;
};

// The activity counters per iteration since `before` (the timer's event waits are not counted):
// kernel launches (the launch overhead is about launches x the device's per-launch cost), host
// waits and downloads (an operation on device operands should have none), uploads.
inline void report_activity(benchmark::State& state, const cuda::Activity& before) {
  const cuda::Activity a = cuda::activity() - before;
  const double it = static_cast<double>(state.iterations() > 0 ? state.iterations() : 1);
  state.counters["launches"] = static_cast<double>(a.launches) / it;
  state.counters["host_waits"] = static_cast<double>(a.host_waits) / it;
  state.counters["uploads"] = static_cast<double>(a.uploads) / it;
  state.counters["downloads"] = static_cast<double>(a.downloads) / it;
}

}  // namespace hnn::bench
