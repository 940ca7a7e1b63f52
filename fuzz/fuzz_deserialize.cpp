// libFuzzer entry for one deserializer (chosen by HNN_FUZZ_<kind>). The input is hostile: any
// outcome but a value or hnn::DeserializationError is a bug (a crash, a leak, another exception).
#include <cstdint>
#include <cstdlib>

#include "hnn/ckks/bootstrap/serialization.h"
#include "hnn/ckks/ckks.h"
#if defined(HNN_FUZZ_protocol)
#include "hnn/distilbert/protocol.h"
#endif

using namespace hnn::ckks;

// The parameter set every fuzz target (and fuzz/make_seeds.cpp) uses.
const ContextPtr& fuzz_context() {
  static const ContextPtr ctx = [] {
    ParametersLiteral lit;
    lit.log_n = 10;
    lit.log_q = {40, 30};
    lit.log_p = {40};
    lit.security = SecurityLevel::None;
    return Context::create(Parameters::create(lit));
  }();
  return ctx;
}
#define context fuzz_context

#if !defined(HNN_FUZZ_SEEDS)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView bytes(data, size);
  try {
#if defined(HNN_FUZZ_parameters)
    (void)deserialize_parameters(bytes);
#elif defined(HNN_FUZZ_plaintext)
    (void)deserialize_plaintext(context(), bytes);
#elif defined(HNN_FUZZ_ciphertext)
    (void)deserialize_ciphertext(context(), bytes);
#elif defined(HNN_FUZZ_public_key)
    (void)deserialize_public_key(context(), bytes);
#elif defined(HNN_FUZZ_relin_key)
    (void)deserialize_relin_key(context(), bytes);
#elif defined(HNN_FUZZ_galois_keys)
    (void)deserialize_galois_keys(context(), bytes);
#elif defined(HNN_FUZZ_secret_key)
    (void)deserialize_secret_key(context(), bytes);
#elif defined(HNN_FUZZ_encapsulation_keys)
    (void)deserialize_encapsulation_keys(context(), bytes);
#elif defined(HNN_FUZZ_key_part)
    (void)bootstrap::deserialize_key_part(context(), bytes);
#elif defined(HNN_FUZZ_bootstrap_keys)
    (void)bootstrap::deserialize_bootstrap_keys(context(), bytes);
#elif defined(HNN_FUZZ_protocol)
    // hnn-server and hnn-client's message payloads: the first byte is the message type
    // (protocol::MessageType) whose decoder reads the rest.
    namespace protocol = hnn::distilbert::protocol;
    if (size == 0) return 0;
    const ByteView payload = bytes.subspan(1);
    switch (data[0]) {
      case protocol::kHello: (void)protocol::decode_hello(payload); break;
      case protocol::kPlan: (void)protocol::decode_plan(payload); break;
      case protocol::kKeys: (void)protocol::decode_keys_header(payload); break;
      case protocol::kInput: (void)protocol::decode_blobs(payload, 64); break;
      case protocol::kProgress: (void)protocol::decode_progress(payload); break;
      case protocol::kError: (void)protocol::decode_error(payload); break;
      default: break;  // RESULT and KEY are serialized objects: the other targets read them
    }
#else
#error "define HNN_FUZZ_<kind>"
#endif
  } catch (const hnn::DeserializationError&) {
  }
  return 0;
}
#endif
