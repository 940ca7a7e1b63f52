#include "hnn/distilbert/session.h"

#include "hnn/distilbert/sst2.h"
#include "hnn/rns/error.h"

namespace hnn::distilbert {

ParameterSet parse_parameter_set(std::string_view name) {
  if (name == "n16") return ParameterSet::N16;
  if (name == "insecure-n12") return ParameterSet::InsecureN12;
  HNN_THROW(InvalidArgument, "unknown parameter set '", name, "': use n16 (128-bit) or insecure-n12 (tests)");
}

std::string_view name_of(ParameterSet set) { return set == ParameterSet::N16 ? "n16" : "insecure-n12"; }

ckks::bootstrap::presets::BootstrapPreset encrypted_preset(ParameterSet set, std::size_t slots) {
  auto p = set == ParameterSet::N16 ? ckks::bootstrap::presets::n16_bootstrap(slots)
                                    : ckks::bootstrap::presets::insecure_n12_bootstrap(slots, 9);
  p.config.real_slots = true;
  return p;
}

std::vector<std::string> calibration_sentences(const std::filesystem::path& tsv, std::size_t count) {
  const auto rows = load_sst2_tsv(tsv);
  HNN_REQUIRE(!rows.empty(), tsv.string(), " has no sentences");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rows.size() && out.size() < count; ++i) out.push_back(rows[i].sentence);
  return out;
}

ClientKeys make_client_keys(const ckks::ContextPtr& ctx, const ckks::bootstrap::Bootstrapper& boot,
                            const std::set<int>& rotation_steps, int max_level) {
  ClientKeys k;
  k.keygen = std::make_unique<ckks::KeyGenerator>(ctx);
  k.public_key = k.keygen->create_public_key();
  k.evaluation = boot.create_keys(*k.keygen);
  std::vector<uint32_t> elements;
  for (int s : rotation_steps) {
    const uint32_t e = ctx->galois_element(s);
    if (!k.evaluation.galois.has(e)) elements.push_back(e);
  }
  k.keygen->add_galois_keys(k.evaluation.galois, elements, max_level);
  return k;
}

}  // namespace hnn::distilbert
