// libFuzzer entry for one deserializer (chosen by HNN_FUZZ_<kind>). The input is hostile: any
// outcome but a value or hnn::DeserializationError is a bug (a crash, a leak, another exception).
#include <cstdint>
#include <cstdlib>

#include "hnn/ckks/ckks.h"

using namespace hnn::ckks;

namespace {
}  // namespace

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
#else
#error "define HNN_FUZZ_<kind>"
#endif
  } catch (const hnn::DeserializationError&) {
  }
  return 0;
}
#endif
