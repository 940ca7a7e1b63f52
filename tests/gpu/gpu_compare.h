// Word-for-word comparison of a device result with the CPU's, shared by the differential suites.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "gpu_util.h"
#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/device.h"

namespace hnn::test {

inline void expect_same_words(const ckks::Ciphertext& cpu, const ckks::Ciphertext& device, const std::string& what) {
  ASSERT_TRUE(device.device() == gpu_device()) << what << ": result left the device";
  const ckks::Ciphertext back = ckks::to_host(device);
  ASSERT_EQ(back.size(), cpu.size()) << what;
  EXPECT_EQ(back.level(), cpu.level()) << what;
  EXPECT_EQ(back.scale(), cpu.scale()) << what;
  EXPECT_EQ(back.slots(), cpu.slots()) << what;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    EXPECT_EQ(back[i].domain(), cpu[i].domain()) << what << ", component " << i;
    const auto a = cpu[i].words(), b = back[i].words();
    ASSERT_EQ(a.size(), b.size()) << what << ", component " << i;
    std::size_t differing = 0;
    for (std::size_t k = 0; k < a.size(); ++k) differing += a[k] != b[k];
    EXPECT_EQ(differing, 0u) << what << ", component " << i << ": " << differing << " of " << a.size()
                             << " words differ";
  }
}

}  // namespace hnn::test
