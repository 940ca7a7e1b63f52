// The hnn-server / hnn-client message payloads (hnn/distilbert/protocol.h): each message decodes
// to what was encoded, and every payload a byte short or a byte long is refused with a
// DeserializationError, as are counts that claim more than the payload holds. The libFuzzer target
// hnn-fuzz-protocol (fuzz/) searches further; this is its deterministic floor, on every CI run.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>

#include "hnn/distilbert/protocol.h"
#include "hnn/rns/error.h"

namespace {

namespace proto = hnn::distilbert::protocol;
using proto::Bytes;
using proto::ByteView;

// Every strict prefix of `valid` and `valid` plus one byte are refused.
void expect_exact_length(const Bytes& valid, const std::function<void(ByteView)>& decode, const std::string& what) {
  ASSERT_NO_THROW(decode(valid)) << what;
  for (std::size_t len = 0; len < valid.size(); ++len)
    EXPECT_THROW(decode(ByteView(valid).first(len)), hnn::DeserializationError) << what << " cut to " << len;
  Bytes longer = valid;
  longer.push_back(0);
  EXPECT_THROW(decode(longer), hnn::DeserializationError) << what << " with a trailing byte";
}

TEST(Protocol, MessagesRoundTripAndRefuseAByteTooFewOrTooMany) {
  const proto::Hello hello{"insecure-n12", 9};
  const auto h = proto::decode_hello(proto::encode(hello));
  EXPECT_EQ(h.parameter_set, hello.parameter_set);
  EXPECT_EQ(h.tokens, hello.tokens);
  expect_exact_length(proto::encode(hello), [](ByteView v) { (void)proto::decode_hello(v); }, "HELLO");

  const proto::Plan plan{16, 8192, 9, {1, -2, 16, 4096}};
  const auto p = proto::decode_plan(proto::encode(plan));
  EXPECT_EQ(p.tokens, plan.tokens);
  EXPECT_EQ(p.slots, plan.slots);
  EXPECT_EQ(p.max_level, plan.max_level);
  EXPECT_EQ(p.rotation_steps, plan.rotation_steps);
  expect_exact_length(proto::encode(plan), [](ByteView v) { (void)proto::decode_plan(v); }, "PLAN");

  EXPECT_EQ(proto::decode_keys_header(proto::encode(proto::KeysHeader{105})).parts, 105u);
  expect_exact_length(proto::encode(proto::KeysHeader{105}), [](ByteView v) { (void)proto::decode_keys_header(v); },
                      "KEYS");

  const proto::Progress progress{"block 3", 12.5, 7};
  const auto g = proto::decode_progress(proto::encode(progress));
  EXPECT_EQ(g.stage, progress.stage);
  EXPECT_EQ(g.seconds, progress.seconds);
  EXPECT_EQ(g.bootstraps, progress.bootstraps);
  expect_exact_length(proto::encode(progress), [](ByteView v) { (void)proto::decode_progress(v); }, "PROGRESS");

  EXPECT_EQ(proto::decode_error(proto::encode_error("key part 1 of 52: not an hnn object")),
            "key part 1 of 52: not an hnn object");
  expect_exact_length(proto::encode_error("refused"), [](ByteView v) { (void)proto::decode_error(v); }, "ERROR");

  const std::vector<Bytes> blobs = {Bytes{1, 2, 3}, Bytes{}, Bytes(300, 9)};
  EXPECT_EQ(proto::decode_blobs(proto::encode_blobs(blobs), 3), blobs);
  expect_exact_length(proto::encode_blobs(blobs), [](ByteView v) { (void)proto::decode_blobs(v, 3); }, "INPUT");
}

TEST(Protocol, CountsAndLengthsBeyondThePayloadAreRefusedBeforeAllocating) {
  // A PLAN that claims 2^62 rotation steps in a few bytes: refused by the count, not by a failed
  // reservation of 16 EiB.
  Bytes plan = proto::encode(proto::Plan{16, 8192, 9, {}});
  const uint64_t huge = uint64_t{1} << 62;
  std::memcpy(plan.data() + plan.size() - sizeof huge, &huge, sizeof huge);
  try {
    (void)proto::decode_plan(plan);
    ADD_FAILURE() << "a PLAN claiming 2^62 rotation steps was accepted";
  } catch (const hnn::DeserializationError& e) {
    EXPECT_NE(std::string(e.what()).find("rotation steps"), std::string::npos) << e.what();
  }
  // An INPUT with more ciphertexts than the plan allows, and one whose blob length overruns.
  EXPECT_THROW((void)proto::decode_blobs(proto::encode_blobs({Bytes{1}, Bytes{2}}), 1), hnn::DeserializationError);
  Bytes overrun = proto::encode_blobs({Bytes(8, 1)});
  std::memcpy(overrun.data() + 8, &huge, sizeof huge);  // the first blob's length
  EXPECT_THROW((void)proto::decode_blobs(overrun, 4), hnn::DeserializationError);
  // A HELLO whose parameter-set name is longer than any set's.
  EXPECT_THROW((void)proto::decode_hello(proto::encode(proto::Hello{std::string(65, 'n'), 3})),
               hnn::DeserializationError);
}

}  // namespace
