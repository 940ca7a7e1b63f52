// The hnn-server / hnn-client protocol: encrypted DistilBERT classification over framed TCP
// messages (hnn/net/socket.h frames; each frame carries one u16 type below and one payload).
//
// One connection classifies one sentence; the server serves connections one at a time.
//
//   client -> server  HELLO     str parameter set ("n16" | "insecure-n12"), u64 token count of the
//                               tokenized sentence ([CLS] and [SEP] included). The client
//                               tokenizes: the server never sees text.
//   server -> client  PLAN      u64 T (tokens of the layout), u64 S (slots), i32 max key level
//                               (the bootstrapper's output level), u64 count, count x i32 rotation
//                               steps (from the server's calibration on public SST-2 sentences).
//   client -> server  KEYS      u64 count of KEY messages that follow; the server checks it
//                               against its plan (KeyFootprint::parts).
//   client -> server  KEY       one key part, a serialized RelinKey, GaloisKeys holding one key, or
//                               EncapsulationKeys (ckks::bootstrap::KeyPart), count times, in the
//                               order the client makes them (distilbert::make_evaluation_keys):
//                               bootstrapping's (relinearization, Galois, encapsulation), then
//                               the layers' Galois keys. Neither side ever holds the keys'
//                               serialized bytes all at once.
//   client -> server  INPUT     u64 count, count x (u64 length, serialized ciphertext): the packed
//                               embeddings, one ciphertext per chunk of features.
//   server -> client  PROGRESS  str stage, f64 seconds, u64 bootstraps; one per stage of the
//                               forward pass, as it finishes.
//   server -> client  RESULT    one serialized ciphertext; slot 0 holds P(positive).
//   server -> client  ERROR     str message; sent instead of the next message when the server
//                               rejects what the client sent. The server then closes the
//                               connection and serves the next one.
//
// Encoding (little-endian): u64/i32/f64 as their bytes, str as u64 length then UTF-8 bytes. A
// payload with missing or extra bytes raises DeserializationError. The server only ever holds
// evaluation keys: the secret key never leaves the client.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hnn::distilbert::protocol {

enum MessageType : uint16_t {
  kHello = 1,
  kPlan = 2,
  kKeys = 3,
  kInput = 4,
  kProgress = 5,
  kResult = 6,
  kError = 7,
  kKey = 8,
};
// "HELLO", "PLAN", ...; "type N" for an unknown one.
std::string type_name(uint16_t type);

// Receive limits, checked before anything is allocated.
inline constexpr std::size_t kMaxSmallPayload = std::size_t{1} << 20;         // HELLO, PLAN, PROGRESS, ERROR
inline constexpr std::size_t kMaxCiphertextsPayload = std::size_t{1} << 32;   // INPUT, RESULT
// A KEY message is bounded by the plan's largest key part (KeyFootprint::largest_part) plus this.
inline constexpr std::size_t kKeyPartSlack = std::size_t{1} << 20;

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

struct Hello {
  std::string parameter_set;
  uint64_t tokens = 0;
};
struct Plan {
  uint64_t tokens = 0;  // T
  uint64_t slots = 0;   // S
  int32_t max_level = 0;
  std::vector<int32_t> rotation_steps;
};
struct KeysHeader {
  uint64_t parts = 0;  // KEY messages that follow
};
struct Progress {
  std::string stage;
  double seconds = 0;
  uint64_t bootstraps = 0;
};

Bytes encode(const Hello& m);
Bytes encode(const Plan& m);
Bytes encode(const KeysHeader& m);
Bytes encode(const Progress& m);
Bytes encode_error(const std::string& message);
// A list of serialized objects (INPUT).
Bytes encode_blobs(const std::vector<Bytes>& blobs);

// Each raises DeserializationError for a malformed payload.
Hello decode_hello(ByteView payload);
Plan decode_plan(ByteView payload);
KeysHeader decode_keys_header(ByteView payload);
Progress decode_progress(ByteView payload);
std::string decode_error(ByteView payload);
std::vector<Bytes> decode_blobs(ByteView payload, std::size_t max_count);

}  // namespace hnn::distilbert::protocol
