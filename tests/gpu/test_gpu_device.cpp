// The device layer: buffers, clones, out-of-memory errors, and a clear report without a GPU.
#include <gtest/gtest.h>

#include <vector>

#include "gpu_util.h"

using namespace hnn;

TEST(GpuDevice, BuffersCloneAndReportOutOfMemory) {
  HNN_REQUIRE_GPU();
  cuda::Stream stream;
  std::vector<uint64_t> words(1000);
  for (std::size_t i = 0; i < words.size(); ++i) words[i] = i * 7;
  cuda::DeviceBuffer a(words.size() * 8, stream);
  a.upload(words.data(), words.size() * 8, stream);
  cuda::DeviceBuffer b = a.clone(stream);
  a.fill_bytes(0xff, stream);
  std::vector<uint64_t> back(words.size());
  b.download(back.data(), back.size() * 8, stream);
  stream.synchronize();
  EXPECT_EQ(back, words);
  try {
    cuda::DeviceBuffer huge(std::size_t{1} << 50, stream);  // 1 PiB
    FAIL() << "a 1 PiB allocation succeeded";
  } catch (const cuda::CudaError& e) {
    EXPECT_NE(std::string(e.what()).find("1125899906842624 bytes"), std::string::npos) << e.what();
  }
}

// In a build or on a machine without a GPU, the device layer says so instead of crashing.
TEST(GpuDevice, ReportsAbsenceClearly) {
  if (cuda::device_count() != 0) GTEST_SKIP() << "a GPU is present: " << cuda::describe_device();
  EXPECT_EQ(cuda::device_count(), 0);
  EXPECT_FALSE(cuda::describe_device().empty());
  EXPECT_THROW(cuda::Stream s, cuda::CudaError);
}
