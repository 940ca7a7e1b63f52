// Shared by the gpu suites: skip with one line when no GPU is usable.
#pragma once
#include <gtest/gtest.h>

#include "hnn/rns/cuda.h"

#define HNN_REQUIRE_GPU()                                                                   \
  do {                                                                                      \
    if (::hnn::cuda::device_count() == 0) GTEST_SKIP() << "no GPU: " << ::hnn::cuda::describe_device(); \
  } while (0)
