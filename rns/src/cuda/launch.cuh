// The one launcher of the element-wise kernels: a body run once per (row, word), as a CUDA grid
// or, on an emulated stream (hnn/rns/cuda.h), as host loops over the very same body.
#pragma once
#include "check.cuh"
#include "hnn/rns/error.h"

namespace hnn::cuda {

inline constexpr unsigned kThreadsPerBlock = 256;

template <class Body>
__global__ void grid_kernel(Body body, unsigned width) {
  const unsigned c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c < width) body(blockIdx.y, c);
}

// body(row, c) for row < rows and c < width; Body is a trivially copyable functor whose
// operator() is HNN_HD (it travels by value as the kernel's argument, under 4 KiB).
template <class Body>
void for_each_word(const Stream& stream, std::size_t rows, std::size_t width, const Body& body, const char* what) {
  static_assert(sizeof(Body) <= 4000, "kernel arguments must stay within CUDA's 4 KiB parameter space");
  if (rows == 0 || width == 0) return;
  note_launch();
  if (stream.is_emulated()) {
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < width; ++c) body(static_cast<unsigned>(r), static_cast<unsigned>(c));
    return;
  }
  HNN_ASSERT(rows <= 65535, what, ": ", rows, " rows exceed the grid's y dimension");
  use_device_of(stream);
  const dim3 grid(static_cast<unsigned>((width + kThreadsPerBlock - 1) / kThreadsPerBlock), static_cast<unsigned>(rows));
  grid_kernel<<<grid, kThreadsPerBlock, 0, stream_of(stream)>>>(body, static_cast<unsigned>(width));
  check_launch(stream, what);
}

}  // namespace hnn::cuda
