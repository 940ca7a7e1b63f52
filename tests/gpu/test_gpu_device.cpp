// The device layer: buffers, clones, out-of-memory errors, and a clear report without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
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

// An upload has read the host's words when it returns, though the stream is busy (queued copies
// ahead of it): the caller may overwrite or free them at once. Small uploads are staged, large ones
// waited for (rns/src/cuda/device.cu); both sizes are tried.
TEST(GpuDevice, UploadsHaveReadTheHostWordsWhenTheyReturn) {
  HNN_REQUIRE_GPU();
  cuda::Stream stream;
  cuda::DeviceBuffer busy(std::size_t{256} << 20, stream);
  busy.fill_bytes(0, stream);
  for (std::size_t words : {std::size_t{1000}, std::size_t{300000}}) {
    SCOPED_TRACE(std::to_string(words) + " words");
    std::vector<cuda::DeviceBuffer> queued;
    for (int i = 0; i < 8; ++i) queued.push_back(busy.clone(stream));  // ~2 GiB of copies ahead
    std::vector<uint64_t> host(words), expected(words);
    for (std::size_t i = 0; i < words; ++i) expected[i] = host[i] = i * 0x9e3779b97f4a7c15ull;
    cuda::DeviceBuffer d(words * 8, stream);
    d.upload(host.data(), words * 8, stream);
    std::fill(host.begin(), host.end(), uint64_t{0xdeadbeef});  // the caller reuses its buffer
    std::vector<uint64_t> back(words);
    d.download(back.data(), words * 8, stream);
    stream.synchronize();
    EXPECT_EQ(back, expected);
  }
}

// In a build or on a machine without a GPU, the device layer says so instead of crashing.
TEST(GpuDevice, ReportsAbsenceClearly) {
  if (cuda::device_count() != 0) GTEST_SKIP() << "a GPU is present: " << cuda::describe_device();
  EXPECT_EQ(cuda::device_count(), 0);
  EXPECT_FALSE(cuda::describe_device().empty());
  EXPECT_THROW(cuda::Stream s, cuda::CudaError);
}
