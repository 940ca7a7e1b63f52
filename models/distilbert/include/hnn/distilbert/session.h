// The pieces the encrypted programs share (hnn-distilbert, hnn-server, hnn-client): parameter
// sets, the server's bootstrapper, calibration sentences and the client's keys.
#pragma once
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/keygen.h"
#include "hnn/nn/he/ckks_backend.h"

namespace hnn::distilbert {

enum class ParameterSet {
  N16,          // logN = 16, 128-bit (presets::n16_bootstrap)
  InsecureN12,  // logN = 12, 9 levels between bootstraps: tests and quick looks only
};
// "n16" or "insecure-n12"; throws InvalidArgument naming the choices otherwise.
ParameterSet parse_parameter_set(std::string_view name);
std::string_view name_of(ParameterSet set);

// The bootstrapping preset for `slots` sparse real slots.
ckks::bootstrap::presets::BootstrapPreset encrypted_preset(ParameterSet set, std::size_t slots);

// The first `count` sentences of an SST-2 TSV (public data: calibration never sees the client's).
std::vector<std::string> calibration_sentences(const std::filesystem::path& tsv, std::size_t count);

// Client side: a fresh secret (OS entropy), the public key, and the evaluation keys the server
// needs: bootstrapping's, plus one Galois key per layer rotation step, restricted to the levels
// the layers use (<= max_level).
struct ClientKeys {
  std::unique_ptr<ckks::KeyGenerator> keygen;
  ckks::PublicKey public_key;
  nn::he::EvaluationKeys evaluation;
};
ClientKeys make_client_keys(const ckks::ContextPtr& ctx, const ckks::bootstrap::Bootstrapper& boot,
                            const std::set<int>& rotation_steps, int max_level);

}  // namespace hnn::distilbert
