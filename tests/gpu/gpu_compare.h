// Word-for-word comparison of a device result with the CPU's, shared by the differential suites.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "gpu_util.h"
#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/device.h"

namespace hnn::test {

// One polynomial brought back from the device against the CPU's: domain and every word.
inline void expect_same_poly(const rns::RnsPoly& cpu, const rns::RnsPoly& back, const std::string& what) {
  EXPECT_EQ(back.domain(), cpu.domain()) << what;
  const auto a = cpu.words(), b = back.words();
  ASSERT_EQ(a.size(), b.size()) << what;
  std::size_t differing = 0;
  for (std::size_t k = 0; k < a.size(); ++k) differing += a[k] != b[k];
  EXPECT_EQ(differing, 0u) << what << ": " << differing << " of " << a.size() << " words differ";
}

inline void expect_same_words(const ckks::Ciphertext& cpu, const ckks::Ciphertext& device, const std::string& what) {
  ASSERT_TRUE(device.device() == gpu_device()) << what << ": result left the device";
  const ckks::Ciphertext back = ckks::to_host(device);
  ASSERT_EQ(back.size(), cpu.size()) << what;
  EXPECT_EQ(back.level(), cpu.level()) << what;
  EXPECT_EQ(back.scale(), cpu.scale()) << what;
  EXPECT_EQ(back.slots(), cpu.slots()) << what;
  for (std::size_t i = 0; i < cpu.size(); ++i) expect_same_poly(cpu[i], back[i], what + ", component " + std::to_string(i));
}

inline void expect_same_words(const ckks::Plaintext& cpu, const ckks::Plaintext& device, const std::string& what) {
  ASSERT_TRUE(device.device() == gpu_device()) << what;
  const ckks::Plaintext back = ckks::to_host(device);
  EXPECT_EQ(back.scale(), cpu.scale()) << what;
  EXPECT_EQ(back.slots(), cpu.slots()) << what;
  expect_same_poly(cpu.poly(), back.poly(), what);
}

}  // namespace hnn::test
