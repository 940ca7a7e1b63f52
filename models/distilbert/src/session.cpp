#include "hnn/distilbert/session.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "hnn/ckks/device.h"
#include "hnn/distilbert/sst2.h"
#include "hnn/rns/error.h"
#include "hnn/rns/random.h"

namespace hnn::distilbert {

ParameterSet parse_parameter_set(std::string_view name) {
  if (name == "n16") return ParameterSet::N16;
  if (name == "insecure-n12") return ParameterSet::InsecureN12;
  HNN_THROW(InvalidArgument, "unknown parameter set '", name, "': use n16 (128-bit) or insecure-n12 (tests)");
}

std::string_view name_of(ParameterSet set) { return set == ParameterSet::N16 ? "n16" : "insecure-n12"; }

rns::Device parse_device(std::string_view name) {
  if (name == "auto") return ckks::device_available(rns::Device::cuda(0)) ? rns::Device::cuda(0) : rns::Device::cpu();
  if (name == "cpu") return rns::Device::cpu();
  rns::Device d;
  if (name == "cuda-emulated") {
    d = rns::Device::cuda_emulated();
  } else if (name == "cuda" || name.starts_with("cuda:")) {
    int index = 0;
    if (name.size() > 5) {
      const std::string digits(name.substr(5));
      HNN_REQUIRE(!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos && digits.size() < 4,
                  "bad device '", name, "': write cuda:N with N a GPU index");
      index = std::stoi(digits);
    }
    d = rns::Device::cuda(index);
  } else {
    HNN_THROW(InvalidArgument, "unknown device '", name, "': use auto, cpu, cuda, cuda:N or cuda-emulated");
  }
  HNN_REQUIRE(ckks::device_available(d), "device ", d.name(), " is not usable here (",
              cuda::built_with_cuda() ? cuda::describe_device(d.index) : "this build has no CUDA backend",
              "): use --device cpu");
  return d;
}

std::string describe(rns::Device d) {
  if (d.is_cpu()) return "CPU";
  if (d.kind == rns::Device::Kind::CudaEmulated) return "CUDA backend, emulated on the host";
  return "CUDA backend on " + cuda::describe_device(d.index);
}

ckks::bootstrap::presets::BootstrapPreset encrypted_preset(ParameterSet set, std::size_t slots) {
  auto p = set == ParameterSet::N16 ? ckks::bootstrap::presets::n16_bootstrap(slots)
                                    : ckks::bootstrap::presets::insecure_n12_bootstrap(slots, 9);
  const std::size_t max_slots = std::size_t{1} << (p.params.log_n - 1);
  HNN_REQUIRE(slots <= max_slots, "this model packs ", slots, " slots per ciphertext but ", name_of(set),
              " holds at most ", max_slots, " (logN ", p.params.log_n, "): use --params n16, or a smaller model");
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

namespace {
// The layers' Galois elements that bootstrapping has no key for.
std::set<uint32_t> layer_elements(const ckks::Context& ctx, const ckks::bootstrap::Bootstrapper& boot,
                                  const std::set<int>& rotation_steps) {
  const std::set<uint32_t> bootstrap_elements = boot.galois_elements();
  std::set<uint32_t> out;
  for (int s : rotation_steps)
    if (const uint32_t e = ctx.galois_element(s); !bootstrap_elements.count(e)) out.insert(e);
  return out;
}

// Bootstrapping's key levels, raised to the layers' max_level for the elements both rotate by (a
// SlotToCoeff key stops at SlotToCoeff's levels, which may lie below max_level).
ckks::bootstrap::Bootstrapper::KeyLevels bootstrap_key_levels(const ckks::Context& ctx,
                                                             const ckks::bootstrap::Bootstrapper& boot,
                                                             const std::set<int>& rotation_steps, int max_level) {
  auto levels = boot.galois_key_levels();
  for (int s : rotation_steps)
    if (auto it = levels.find(ctx.galois_element(s)); it != levels.end()) it->second = std::max(it->second, max_level);
  return levels;
}
}  // namespace

ClientKeys make_client_keys(const ckks::ContextPtr& ctx, const ckks::bootstrap::Bootstrapper& boot,
                            const std::set<int>& rotation_steps, int max_level) {
  require_host_memory(client_key_footprint(*ctx, boot, rotation_steps, max_level).bytes, "the evaluation keys",
                      host_memory());
  ClientKeys k;
  k.keygen = std::make_unique<ckks::KeyGenerator>(ctx);
  k.public_key = k.keygen->create_public_key();
  make_evaluation_keys(*k.keygen, boot, rotation_steps, max_level, [&](ckks::bootstrap::KeyPart&& part) {
    ckks::bootstrap::add_key_part(k.evaluation, std::move(part));
  });
  return k;
}

void make_evaluation_keys(ckks::KeyGenerator& keygen, const ckks::bootstrap::Bootstrapper& boot,
                          const std::set<int>& rotation_steps, int max_level, const ckks::bootstrap::KeyPartSink& sink) {
  const ckks::ContextPtr& ctx = boot.context();
  boot.create_keys(keygen, sink, bootstrap_key_levels(*ctx, boot, rotation_steps, ckks::resolve_key_max_level(*ctx, max_level)));
  for (uint32_t e : layer_elements(*ctx, boot, rotation_steps)) {
    ckks::GaloisKeys one(ctx);
    keygen.add_galois_keys(one, {e}, max_level);
    sink(std::move(one));
  }
}

void require_evaluation_keys(const nn::he::EvaluationKeys& keys, const ckks::bootstrap::Bootstrapper& boot,
                             const std::set<int>& rotation_steps, int max_level) {
  const ckks::Context& ctx = *boot.context();
  max_level = ckks::resolve_key_max_level(ctx, max_level);
  HNN_REQUIRE(keys.relin.context(), "the keys lack the relinearization key");
  HNN_REQUIRE(keys.relin.key().is_full(), "the relinearization key stops at level ", keys.relin.key().max_level(),
              "; a full key (level ", ctx.max_level(), ") is expected, as KeyGenerator::create_relin_key makes");
  const auto require_element = [&](uint32_t e, int level, const char* whose) {
    const ckks::SwitchingKey* k = keys.galois.context() ? keys.galois.find(e) : nullptr;
    HNN_REQUIRE(k, "the keys lack the Galois key of element ", e, " (", whose, ")");
    HNN_REQUIRE(k->max_level() >= level, "the Galois key of element ", e, " (", whose, ") stops at level ",
                k->max_level(), "; it is needed up to level ", level);
  };
  for (const auto& [e, level] : boot.galois_key_levels()) require_element(e, level, "bootstrapping");
  for (int s : rotation_steps) require_element(ctx.galois_element(s), max_level, "a layer rotation");
  const auto& enc = keys.encapsulation;
  HNN_REQUIRE(enc.small, "the keys lack the encapsulation keys");
  HNN_REQUIRE(enc.hamming_weight == boot.config().sparse_hamming_weight &&
                  enc.small->special_count() == static_cast<std::size_t>(boot.config().encapsulation_special_primes),
              "the encapsulation keys have Hamming weight ", enc.hamming_weight, " and ", enc.small->special_count(),
              " special primes; this bootstrapper uses ", boot.config().sparse_hamming_weight, " and ",
              boot.config().encapsulation_special_primes);
}

KeyFootprint client_key_footprint(const ckks::Context& ctx, const ckks::bootstrap::Bootstrapper& boot,
                                  const std::set<int>& rotation_steps, int max_level) {
  max_level = ckks::resolve_key_max_level(ctx, max_level);  // -1: full keys, as add_galois_keys reads it
  const std::size_t layers = layer_elements(ctx, boot, rotation_steps).size();
  // The largest part is the encapsulation part: a full key and the small one.
  return {boot.key_count() + layers,
          boot.key_bytes(bootstrap_key_levels(ctx, boot, rotation_steps, max_level)) +
              layers * ckks::switching_key_bytes(ctx, max_level),
          boot.key_count() - 1 + layers, boot.encapsulation_key_bytes()};
}

namespace {
// The leading decimal digits of `text`, saturated at SIZE_MAX; nullopt without any.
std::optional<std::size_t> parse_count(std::string_view text) {
  std::size_t v = 0, i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const auto d = static_cast<std::size_t>(text[i] - '0');
    v = v > (SIZE_MAX - d) / 10 ? SIZE_MAX : v * 10 + d;
  }
  if (i == 0) return std::nullopt;
  return v;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

HostMemory parse_meminfo(std::string_view text) {
  HostMemory m;
  // "Name:   12345 kB" lines; the kernel writes kB for KiB.
  auto field = [&](std::string_view name, std::size_t& out) {
    for (std::size_t at = 0; (at = text.find(name, at)) != std::string_view::npos; at += name.size()) {
      if (at != 0 && text[at - 1] != '\n') continue;  // "MemAvailable" inside another name
      const std::size_t colon = at + name.size();
      if (colon >= text.size() || text[colon] != ':') continue;
      std::size_t i = colon + 1;
      while (i < text.size() && text[i] == ' ') ++i;
      const std::optional<std::size_t> kib = parse_count(text.substr(i));
      if (!kib) return false;
      out = *kib > SIZE_MAX / 1024 ? SIZE_MAX : *kib * 1024;
      return true;
    }
    return false;
  };
  m.known = field("MemAvailable", m.available);
  if (!field("SwapFree", m.swap_free)) m.swap_free = 0;
  return m;
}

HostMemory limit_to_cgroup(HostMemory m, std::string_view max, std::string_view current) {
  const std::optional<std::size_t> limit = parse_count(max), used = parse_count(current);
  if (!m.known || !limit || !used) return m;  // "max": no limit; a file missing: not cgroup v2
  m.available = std::min(m.available, *limit > *used ? *limit - *used : 0);
  return m;
}

HostMemory host_memory() {
  return limit_to_cgroup(parse_meminfo(read_file("/proc/meminfo")), read_file("/sys/fs/cgroup/memory.max"),
                         read_file("/sys/fs/cgroup/memory.current"));
}

void require_host_memory(std::size_t bytes, std::string_view what, const HostMemory& memory) {
  if (!memory.known) return;
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  char line[320];
  if (bytes > memory.available && bytes - memory.available > memory.swap_free) {
    std::snprintf(line, sizeof line,
                  "%.*s need %.1f GiB, and this machine has %.1f GiB of memory available (%.1f GiB of swap free): "
                  "free memory, or run on a machine with more",
                  static_cast<int>(what.size()), what.data(), bytes / kGiB, memory.available / kGiB,
                  memory.swap_free / kGiB);
    throw std::runtime_error(line);
  }
  if (bytes > memory.available)
    std::fprintf(stderr, "warning: %.*s need %.1f GiB, more than the %.1f GiB of memory available: the run will swap\n",
                 static_cast<int>(what.size()), what.data(), bytes / kGiB, memory.available / kGiB);
}

LoadedModel load_model(const std::filesystem::path& model_dir, std::filesystem::path vocab,
                       const std::filesystem::path& data_dir, int widen) {
  if (vocab.empty()) {
    vocab = std::filesystem::exists(model_dir / "vocab.txt") ? model_dir / "vocab.txt" : data_dir / "vocab.txt";
  }
  LoadedModel m{HeFriendlyClassifier::load(model_dir), BertTokenizer::from_vocab_file(vocab), 0};
  if (widen != 1) m.model = HeFriendlyClassifier(distilbert::widen(m.model.model(), widen), m.model.approx());
  const auto& cfg = m.model.model().config();
  HNN_REQUIRE(static_cast<std::int64_t>(m.tokenizer.vocab_size()) == cfg.vocab_size, "vocabulary ", vocab.string(),
              " has ", m.tokenizer.vocab_size(), " tokens but the model's vocab_size is ", cfg.vocab_size);
  m.slots = model_slots(cfg);
  return m;
}

PreparedSentence prepare_sentence(const LoadedModel& m, const std::string& sentence, std::size_t min_tokens) {
  const auto& cfg = m.model.model().config();
  const std::size_t tokens = m.tokenizer.encode(sentence, std::size_t{1} << 20).ids.size();
  HNN_REQUIRE(tokens > 2, "the sentence has no tokens to classify");
  const std::size_t limit = max_encrypted_tokens(cfg, m.slots);
  HNN_REQUIRE(min_tokens <= limit, "a layout of ", min_tokens, " tokens is above what the encrypted model takes (",
              limit, ")");
  return PreparedSentence{m.tokenizer.encode(sentence, limit), tokens,
                          sentence_layout(cfg, m.slots, std::max(tokens, min_tokens))};
}

double flooding_noise(double sigma) {
  rns::Prng prng;
  auto uniform = [&] { return (static_cast<double>(prng.uniform(uint64_t{1} << 53)) + 0.5) / 9007199254740992.0; };
  return sigma * std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * M_PI * uniform());
}

double report_score(const LoadedModel& m, const Encoding& encoding, double raw, double flood_sigma) {
  const double flood = flood_sigma > 0 ? flooding_noise(flood_sigma) : 0.0;
  const double score = raw + flood;
  const double twin = m.model.positive_score(m.model.logits(encoding.ids, encoding.attention_mask));
  std::printf("[client] decrypted %.9f; noise flooding sigma %.3g added %.3g; plaintext twin %.9f (encrypted "
              "error %.1f bits)\n",
              raw, flood_sigma, flood, twin, -std::log2(std::fabs(raw - twin) + 1e-300));
  const auto& labels = m.model.model().config().labels;
  const std::string label = labels.size() == 2 ? labels[score > 0.5 ? 1 : 0] : (score > 0.5 ? "1" : "0");
  std::printf("label=%s score=%.6f\n", label.c_str(), score);
  return score;
}

void print_stage(const StageReport& r) {
  std::printf("[server] %-18s %8.1f s  %3zu bootstraps\n", r.stage.c_str(), r.seconds, r.bootstraps);
  std::fflush(stdout);
}

}  // namespace hnn::distilbert
