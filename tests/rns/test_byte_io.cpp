// The byte codec under every hnn wire format: round trips, and clear errors on short, oversized
// or over-long input.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "hnn/rns/byte_io.h"

using namespace hnn;
using rns::ByteReader;
using rns::ByteWriter;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DeserializationError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "no exception";
}
}  // namespace

TEST(ByteIo, RoundTripsFieldsStringsAndBlobs) {
  ByteWriter w;
  w.put<uint8_t>(7);
  w.put<int32_t>(-5);
  w.put<uint64_t>(0x0123456789abcdefULL);
  w.put<double>(-0.125);
  w.put_string("héllo");
  const std::vector<uint8_t> blob = {1, 2, 3};
  w.put_blob(blob);
  const uint64_t words[2] = {42, 43};
  w.put_words(words);
  const auto bytes = w.take();
  // Little-endian, fixed widths.
  ASSERT_EQ(bytes.size(), 1u + 4 + 8 + 8 + (8 + 6) + (8 + 3) + 16);
  EXPECT_EQ(bytes[1], 0xfb);
  EXPECT_EQ(bytes[5], 0xef);

  ByteReader r(bytes, "test message");
  EXPECT_EQ(r.get<uint8_t>("a"), 7);
  EXPECT_EQ(r.get<int32_t>("b"), -5);
  EXPECT_EQ(r.get<uint64_t>("c"), 0x0123456789abcdefULL);
  EXPECT_EQ(r.get<double>("d"), -0.125);
  EXPECT_EQ(r.get_string(64, "e"), "héllo");
  EXPECT_EQ(r.get_blob("f"), blob);
  EXPECT_EQ(r.get<uint64_t>("g"), 42u);
  EXPECT_EQ(r.remaining(), 8u);
  EXPECT_NE(error_of([&] { r.finish(); }).find("8 unexpected trailing bytes"), std::string::npos);
  EXPECT_EQ(r.get<uint64_t>("h"), 43u);
  r.finish();
}

TEST(ByteIo, ErrorsNameTheMessageTheFieldAndTheOffset) {
  ByteWriter w;
  w.put<uint32_t>(1);
  w.put<uint64_t>(1000);  // a length prefix promising more than is there
  w.put<uint8_t>(0);
  const auto bytes = w.take();

  ByteReader r(bytes, "PLAN message");
  r.get<uint32_t>("count");
  const std::string over = error_of([&] { r.get_string(4096, "stage name"); });
  EXPECT_NE(over.find("PLAN message: stage name of 1000 bytes does not fit (1 bytes left"), std::string::npos) << over;

  ByteReader r2(bytes, "PLAN message");
  r2.get<uint32_t>("count");
  r2.get<uint64_t>("length");
  const std::string short_read = error_of([&] { r2.get<uint32_t>("max level"); });
  EXPECT_NE(short_read.find("PLAN message: truncated: max level at byte 12 needs 4 bytes, 1 left"), std::string::npos)
      << short_read;

  ByteWriter w2;
  w2.put_string("abcdef");
  const auto s = w2.take();
  ByteReader r3(s, "HELLO message");
  const std::string too_long = error_of([&] { r3.get_string(4, "parameter set name"); });
  EXPECT_NE(too_long.find("at most 4"), std::string::npos) << too_long;

  ByteReader empty({}, "ERROR message");
  EXPECT_NE(error_of([&] { empty.get<uint8_t>("x"); }).find("truncated"), std::string::npos);
}
