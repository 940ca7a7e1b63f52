// Encrypted DistilBERT on the tiny fixture model (fixtures/he-tiny: dim 64, 4 heads, 2 layers):
// the slot-level plaintext backend equals the HE-friendly twin; the whole model under CKKS
// (insecure logN = 12, 9 levels between bootstraps) gives the twin's decision and score.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/bootstrap/serialization.h"
#include "hnn/ckks/device.h"
#include "hnn/ckks/encryptor.h"
#include "hnn/ckks/keygen.h"
#include "hnn/distilbert/encrypted.h"
#include "hnn/distilbert/session.h"
#include "hnn/distilbert/sst2.h"
#include "hnn/rns/error.h"

namespace {

namespace fs = std::filesystem;
using namespace hnn::distilbert;
namespace he = hnn::nn::he;

const fs::path kTiny = fs::path(HNN_DISTILBERT_FIXTURE_DIR) / "he-tiny";

struct Tiny {
  HeFriendlyClassifier model = HeFriendlyClassifier::load(kTiny);
  BertTokenizer tokenizer = BertTokenizer::from_vocab_file(kTiny / "vocab.txt");
  std::vector<LabeledSentence> dev = load_sst2_tsv(kTiny / "dev.tsv");
  std::size_t slots = model_slots(model.model().config());
};

double twin_score(const Tiny& t, const Encoding& enc) {
  return t.model.positive_score(t.model.logits(enc.ids, enc.attention_mask));
}

// The slot-level backend's score of `model`, laid out for max(real tokens, min_tokens) tokens.
double plain_score(const HeFriendlyClassifier& model, const Encoding& enc, std::size_t min_tokens = 0,
                   std::size_t* bootstraps = nullptr) {
  const auto& cfg = model.model().config();
  const auto layout = sentence_layout(cfg, model_slots(cfg), std::max(enc.real_tokens(), min_tokens));
  he::PlainBackend b(layout, 9);
  std::size_t real = 0;
  he::Tensor<he::PlainBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
  for (auto& c : embed_and_pack(model, enc, layout, real)) x.chunks.push_back(b.encrypt(c));
  const auto out = encrypted_forward(b, model, std::move(x), real);
  if (bootstraps) *bootstraps = b.counters().bootstraps;
  return out.v[0];
}

TEST(EncryptedDistilBert, PlainBackendEqualsTheTwin) {
  const Tiny t;
  std::size_t checked = 0;
  for (const auto& s : t.dev) {
    const Encoding enc = t.tokenizer.encode(s.sentence, 16);
    std::size_t boots = 0;
    const double got = plain_score(t.model, enc, 0, &boots);
    EXPECT_NEAR(got, twin_score(t, enc), 1e-9) << s.sentence;
    EXPECT_GT(boots, 0u);
    ++checked;
  }
  EXPECT_GE(checked, 8u);
}

// Sentences longer than the head dimension (16 here): the scores of each head spread over T / 16
// blocks; the slot-level backend still equals the twin.
std::string repeated(const std::string& s, int times) {
  std::string out = s;
  for (int i = 1; i < times; ++i) out += " , " + s;
  return out;
}

TEST(EncryptedDistilBert, PlainBackendEqualsTheTwinBeyondTheHeadDimension) {
  const Tiny t;
  const std::size_t hd = static_cast<std::size_t>(t.model.model().config().head_dim());
  std::size_t checked = 0;
  for (const auto& s : t.dev) {
    const Encoding enc = t.tokenizer.encode(repeated(s.sentence, 4), max_encrypted_tokens(t.model.model().config(), t.slots));
    if (enc.real_tokens() <= hd) continue;
    EXPECT_NEAR(plain_score(t.model, enc), twin_score(t, enc), 1e-9) << enc.real_tokens() << " tokens: " << s.sentence;
    ++checked;
  }
  EXPECT_GE(checked, 4u);
}

// The encrypted forward pass at twice the width (widen: dim 128, 4 heads of 32, 4096 slots) and
// laid out for more tokens than the sentence has (padding masked out): still the twin's score.
TEST(EncryptedDistilBert, PlainBackendEqualsTheTwinWidenedAndPadded) {
  const Tiny t;
  const HeFriendlyClassifier wide(widen(t.model.model(), 2), t.model.approx());
  ASSERT_EQ(model_slots(wide.model().config()), 2048u);
  std::size_t checked = 0;
  for (const auto& s : t.dev) {
    const Encoding enc = t.tokenizer.encode(s.sentence, 16);
    for (std::size_t tokens : {std::size_t{0}, std::size_t{32}})
      EXPECT_NEAR(plain_score(wide, enc, tokens), twin_score(t, enc), 1e-9) << "T >= " << tokens << ": " << s.sentence;
    if (++checked == 4) break;
  }
  EXPECT_EQ(checked, 4u);
}

TEST(EncryptedDistilBert, RejectsSentencesItCannotPack) {
  const Tiny t;
  const auto& cfg = t.model.model().config();
  EXPECT_THROW(sentence_layout(cfg, t.slots, 0), hnn::InvalidArgument);
  EXPECT_THROW(sentence_layout(cfg, t.slots, max_encrypted_tokens(cfg, t.slots) + 1), hnn::InvalidArgument);
  EXPECT_NO_THROW(sentence_layout(cfg, t.slots, max_encrypted_tokens(cfg, t.slots)));
}

// A model whose ciphertexts hold more slots than the parameter set has: a message naming the fix,
// not the bootstrapper's internal slot check.
TEST(EncryptedDistilBert, ParameterSetTooSmallForTheModelIsExplained) {
  EXPECT_NO_THROW(encrypted_preset(ParameterSet::InsecureN12, 2048));
  try {
    encrypted_preset(ParameterSet::InsecureN12, 8192);
    ADD_FAILURE() << "8192 slots accepted at logN 12";
  } catch (const hnn::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("--params n16"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(encrypted_preset(ParameterSet::N16, 8192));
}

// The tiny model end to end: client keys and encrypted embeddings, then the server's forward
// pass on `device` (the CPU, the emulated CUDA device or a GPU).
struct TinyEncrypted {
  const Tiny& t;
  Encoding enc;
  he::Layout layout;
  hnn::ckks::bootstrap::presets::BootstrapPreset preset;
  hnn::ckks::ContextPtr ctx;
  std::unique_ptr<hnn::ckks::bootstrap::Bootstrapper> boot;
  Calibration cal;
  hnn::ckks::KeyGenerator keygen;
  he::EvaluationKeys keys;
  std::vector<hnn::ckks::Ciphertext> inputs;
  std::size_t real = 0;

  static hnn::ckks::bootstrap::presets::BootstrapPreset preset_for(std::size_t slots) {
    auto p = hnn::ckks::bootstrap::presets::insecure_n12_bootstrap(slots, 9);
    p.config.real_slots = true;
    return p;
  }
  explicit TinyEncrypted(const Tiny& tiny, const std::string& sentence, std::size_t max_tokens = 8)
      : t(tiny),
        enc(t.tokenizer.encode(sentence, max_tokens)),
        layout(sentence_layout(t.model.model().config(), t.slots, enc.real_tokens())),
        preset(preset_for(t.slots)),
        ctx(hnn::ckks::Context::create(hnn::ckks::Parameters::create(preset.params))),
        boot(std::make_unique<hnn::ckks::bootstrap::Bootstrapper>(ctx, preset.config)),
        keygen(hnn::ckks::KeyGenerator::insecure_from_seed_for_testing(ctx, hnn::rns::Prng::Seed{{3}})) {
    std::vector<std::string> calibration;
    for (const auto& s : t.dev) calibration.push_back(s.sentence);
    cal = calibrate(t.model, t.tokenizer, layout, boot->output_level(), calibration);
    keys = boot->create_keys(keygen);
    std::vector<uint32_t> elements;
    for (int s : cal.rotation_steps) {
      if (!keys.galois.has(ctx->galois_element(s))) elements.push_back(ctx->galois_element(s));
    }
    keygen.add_galois_keys(keys.galois, elements);
    hnn::ckks::Encoder encoder(ctx);
    hnn::ckks::Encryptor encryptor(ctx, keygen.create_public_key());
    for (const auto& c : embed_and_pack(t.model, enc, layout, real))
      inputs.push_back(encryptor.encrypt(encoder.encode(std::span<const double>(c), boot->output_level())));
  }
  struct Run {
    hnn::ckks::Ciphertext out;
    he::RunCounters counters;
    std::size_t stages = 0;
  };
  Run serve(hnn::rns::Device device) {
    boot->move_to(device);
    const he::EvaluationKeys device_keys =
        device.is_cpu() ? he::EvaluationKeys{} : hnn::ckks::bootstrap::to_device(keys, device);
    he::CkksBackend b(layout, *boot, device.is_cpu() ? keys : device_keys, cal.bounds);
    he::Tensor<he::CkksBackend::Value> x{static_cast<std::size_t>(t.model.model().config().dim), {}};
    for (const auto& c : inputs) x.chunks.push_back(b.adopt(c.clone()));
    Run r;
    const auto y = encrypted_forward(b, t.model, std::move(x), real, [&](const StageReport&) { ++r.stages; });
    EXPECT_TRUE(y.ct.device() == device) << "the output left " << device.name();
    r.out = y.ct.device().is_cpu() ? y.ct.clone() : hnn::ckks::to_host(y.ct);
    r.counters = b.counters();
    boot->move_to(hnn::rns::Device::cpu());
    return r;
  }
  double score(const hnn::ckks::Ciphertext& ct) const {
    hnn::ckks::Encoder encoder(ctx);
    hnn::ckks::Decryptor decryptor(ctx, keygen.secret_key());
    return encoder.decode_real(decryptor.decrypt(ct))[0];
  }
};

void expect_the_twins_decision(const Tiny& t, TinyEncrypted& e) {
  const auto run = e.serve(hnn::rns::Device::cpu());
  const double score = e.score(run.out);
  const double want = twin_score(t, e.enc);
  const double bits = -std::log2(std::fabs(score - want));
  std::printf("T=%zu: encrypted score %.9f, twin %.9f (%.1f bits); %zu bootstraps (planned %zu), %zu rotations\n",
              e.layout.tokens, score, want, bits, run.counters.bootstraps, e.cal.bootstraps_per_sentence,
              run.counters.rotations);
  EXPECT_EQ(score > 0.5, want > 0.5);
  EXPECT_GE(bits, 12.0);
  EXPECT_EQ(run.counters.bootstraps, e.cal.bootstraps_per_sentence);
  EXPECT_EQ(run.stages, 1u + 2u * 2u + 1u);
}

TEST(EncryptedDistilBert, CkksEndToEndGivesTheTwinsDecision) {
  const Tiny t;
  TinyEncrypted e(t, t.dev[1].sentence);
  expect_the_twins_decision(t, e);
}

// 32 tokens, twice the head dimension: two score blocks per head.
TEST(EncryptedDistilBert, CkksEndToEndBeyondTheHeadDimension) {
  const Tiny t;
  TinyEncrypted e(t, repeated(t.dev[1].sentence, 4), 32);
  ASSERT_GT(e.enc.real_tokens(), 16u);
  ASSERT_EQ(e.layout.tokens, 32u);
  expect_the_twins_decision(t, e);
}

// The memory plan (`hnn-distilbert --plan`) counts the client's keys without making them: its
// figures are those of the keys make_client_keys makes, with layer keys restricted or full.
TEST(EncryptedDistilBert, KeyFootprintIsThatOfTheKeysMade) {
  const Tiny t;
  TinyEncrypted e(t, t.dev[1].sentence);
  ASSERT_FALSE(e.cal.rotation_steps.empty());
  std::size_t restricted_bytes = 0;
  for (int level : {e.boot->output_level(), e.ctx->max_level()}) {
    SCOPED_TRACE("layer keys up to level " + std::to_string(level));
    const ClientKeys made = make_client_keys(e.ctx, *e.boot, e.cal.rotation_steps, level);
    const KeyFootprint planned = client_key_footprint(*e.ctx, *e.boot, e.cal.rotation_steps, level);
    EXPECT_EQ(planned.keys, made.evaluation.key_count());
    EXPECT_EQ(planned.bytes, made.evaluation.size_bytes());
    // Every layer rotation's key reaches `level`, those bootstrapping also makes included: a
    // SlotToCoeff key stops below the top unless a layer needs it higher.
    EXPECT_NO_THROW(require_evaluation_keys(made.evaluation, *e.boot, e.cal.rotation_steps, level));
    std::size_t raised = 0;
    const auto boot_levels = e.boot->galois_key_levels();
    for (int s : e.cal.rotation_steps) {
      const uint32_t g = e.ctx->galois_element(s);
      const auto boot_level = boot_levels.find(g);
      if (boot_level != boot_levels.end() && boot_level->second < level) ++raised;
      const hnn::ckks::SwitchingKey* key = made.evaluation.galois.find(g);
      ASSERT_NE(key, nullptr) << "step " << s;
      EXPECT_GE(key->max_level(), level) << "step " << s;
    }
    if (level == e.ctx->max_level()) {  // -1 reads as the full levels, as in add_galois_keys
      EXPECT_GT(raised, 0u) << "no layer step shares a key bootstrapping restricts";
      const KeyFootprint full = client_key_footprint(*e.ctx, *e.boot, e.cal.rotation_steps, -1);
      EXPECT_EQ(full.bytes, planned.bytes);
      EXPECT_EQ(full.keys, planned.keys);
    }
    if (level == e.boot->output_level()) restricted_bytes = planned.bytes;
    else EXPECT_GT(planned.bytes, restricted_bytes);  // the layers' own keys exist and are smaller when restricted
    // Made part by part (what hnn-client streams): as many parts as planned, the largest as planned.
    hnn::ckks::KeyGenerator keygen(e.ctx);
    std::size_t parts = 0, largest = 0;
    make_evaluation_keys(keygen, *e.boot, e.cal.rotation_steps, level, [&](hnn::ckks::bootstrap::KeyPart&& part) {
      hnn::ckks::bootstrap::BootstrapKeys one;
      hnn::ckks::bootstrap::add_key_part(one, std::move(part));
      largest = std::max(largest, one.size_bytes());
      ++parts;
    });
    EXPECT_EQ(parts, planned.parts);
    EXPECT_EQ(parts + 1, planned.keys);  // the encapsulation part holds two keys
    EXPECT_EQ(largest, planned.largest_part);
  }
}

// What hnn-server does with the parts a client streams: assembled with add_key_part, serialized and
// loaded one by one, and checked against the plan by require_evaluation_keys, which names what is
// missing (a bootstrapping or a layer key), too short (a layer key below the levels it serves) or
// twice.
TEST(EncryptedDistilBert, StreamedKeyPartsAreCheckedAgainstThePlan) {
  namespace bs = hnn::ckks::bootstrap;
  const Tiny t;
  TinyEncrypted e(t, t.dev[1].sentence);
  const int level = e.boot->output_level();
  const std::set<uint32_t> boot_elements = e.boot->galois_elements();
  // The parts of one key generation, each through the wire format; `skip` drops the part with
  // that index.
  const auto assemble = [&](int layer_level, std::optional<std::size_t> skip = {}) {
    hnn::ckks::KeyGenerator keygen(e.ctx);
    bs::BootstrapKeys keys;
    std::size_t i = 0;
    make_evaluation_keys(keygen, *e.boot, e.cal.rotation_steps, layer_level, [&](bs::KeyPart&& part) {
      if (skip != i++) bs::add_key_part(keys, bs::deserialize_key_part(e.ctx, bs::serialize(part)));
    });
    return keys;
  };
  const auto rejection = [&](const bs::BootstrapKeys& keys) -> std::string {
    try {
      require_evaluation_keys(keys, *e.boot, e.cal.rotation_steps, level);
    } catch (const hnn::InvalidArgument& err) {
      return err.what();
    }
    return "";
  };
  const KeyFootprint plan = client_key_footprint(*e.ctx, *e.boot, e.cal.rotation_steps, level);
  ASSERT_GT(plan.parts, boot_elements.size() + 2) << "the tiny model should need layer keys of its own";
  EXPECT_EQ(rejection(assemble(level)), "");
  // Part 0 is the relinearization key, 1 .. |bootstrapping's elements| its Galois keys, then the
  // encapsulation keys (bootstrapping's parts end there), then the layers' Galois keys.
  const std::size_t encapsulation = 1 + boot_elements.size();
  EXPECT_NE(rejection(assemble(level, 0)).find("lack the relinearization key"), std::string::npos);
  EXPECT_NE(rejection(assemble(level, 1)).find("(bootstrapping)"), std::string::npos);
  EXPECT_NE(rejection(assemble(level, encapsulation)).find("lack the encapsulation keys"), std::string::npos);
  EXPECT_NE(rejection(assemble(level, plan.parts - 1)).find("(a layer rotation)"), std::string::npos);
  EXPECT_NE(rejection(assemble(level - 1)).find("stops at level " + std::to_string(level - 1)), std::string::npos);

  // A part twice, a Galois part of no key, a part of another parameter set, an object that is not a key.
  hnn::ckks::KeyGenerator keygen(e.ctx);
  bs::BootstrapKeys keys;
  bs::add_key_part(keys, keygen.create_relin_key());
  EXPECT_THROW(bs::add_key_part(keys, keygen.create_relin_key()), hnn::InvalidArgument);
  const uint32_t g = *boot_elements.begin();
  hnn::ckks::GaloisKeys one(e.ctx), again(e.ctx);
  keygen.add_galois_keys(one, {g});
  keygen.add_galois_keys(again, {g});
  bs::add_key_part(keys, std::move(one));
  EXPECT_THROW(bs::add_key_part(keys, std::move(again)), hnn::InvalidArgument);
  EXPECT_THROW(bs::add_key_part(keys, hnn::ckks::GaloisKeys(e.ctx)), hnn::InvalidArgument);
  EXPECT_EQ(keys.galois.keys().size(), 1u);
  const auto other = hnn::ckks::Context::create(
      hnn::ckks::Parameters::create(hnn::ckks::bootstrap::presets::insecure_n12_bootstrap(t.slots, 8).params));
  ASSERT_NE(other->digest(), e.ctx->digest());
  hnn::ckks::KeyGenerator other_keygen(other);
  EXPECT_THROW(bs::add_key_part(keys, other_keygen.create_galois_keys({3}, false)), hnn::InvalidArgument);
  EXPECT_THROW(bs::deserialize_key_part(e.ctx, bs::serialize(other_keygen.create_relin_key())),
               hnn::DeserializationError);
  EXPECT_THROW(bs::deserialize_key_part(e.ctx, hnn::ckks::serialize(e.ctx->params())), hnn::DeserializationError);
}

// make_client_keys checks the footprint against the host's memory before minutes of key
// generation: /proc/meminfo's fields are read by name, and a request beyond memory and swap fails.
TEST(EncryptedDistilBert, KeysNeedingMoreThanTheHostHasFailFirst) {
  const HostMemory m = parse_meminfo(
      "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n"
      "SwapTotal:       2097148 kB\nSwapFree:        2000000 kB\n");
  ASSERT_TRUE(m.known);
  EXPECT_EQ(m.available, 20000000ull * 1024);
  EXPECT_EQ(m.swap_free, 2000000ull * 1024);
  EXPECT_FALSE(parse_meminfo("MemTotal: 24000000 kB\nXMemAvailable: 5 kB\n").known);  // whole names only
  EXPECT_EQ(parse_meminfo("MemAvailable: 7 kB\n").swap_free, 0u);                       // no swap line

  EXPECT_NO_THROW(require_host_memory(m.available, "keys", m));
  EXPECT_NO_THROW(require_host_memory(m.available + 1, "keys", m));  // would swap: a warning only
  try {
    require_host_memory(m.available + m.swap_free + 1, "the evaluation keys", m);
    ADD_FAILURE() << "more than memory and swap together was accepted";
  } catch (const std::runtime_error& err) {
    EXPECT_NE(std::string(err.what()).find("the evaluation keys need 21.0 GiB"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("19.1 GiB of memory available"), std::string::npos) << err.what();
  }
  EXPECT_NO_THROW(require_host_memory(std::size_t{1} << 62, "keys", HostMemory{}));  // unknown: not checked
  // Absurd figures saturate instead of wrapping around into a small number.
  const HostMemory huge = parse_meminfo("MemAvailable: 99999999999999999999999 kB\nSwapFree: 99999999999999999999 kB\n");
  EXPECT_EQ(huge.available, SIZE_MAX);
  EXPECT_NO_THROW(require_host_memory(SIZE_MAX, "keys", huge));
  // A container's cgroup limit caps what is available; "max" (no limit) and missing files do not.
  EXPECT_EQ(limit_to_cgroup(m, "8589934592\n", "4294967296\n").available, 4294967296ull);
  EXPECT_EQ(limit_to_cgroup(m, "max\n", "4294967296\n").available, m.available);
  EXPECT_EQ(limit_to_cgroup(m, "", "").available, m.available);
  EXPECT_EQ(limit_to_cgroup(m, "100\n", "200\n").available, 0u);
  EXPECT_THROW(require_host_memory(1, "keys", limit_to_cgroup(HostMemory{true, 1 << 30, 0}, "100", "200")),
               std::runtime_error);
#ifdef __linux__
  const HostMemory here = host_memory();
  EXPECT_TRUE(here.known);
  EXPECT_GT(here.available, 0u);
#endif
}

// Every layer, bootstrapping included, on the CUDA backend (the emulated device in CI, a GPU where
// one is present): the output ciphertext has exactly the CPU run's words.
TEST(EncryptedDistilBert, CudaBackendGivesTheCpuWords) {
  std::vector<hnn::rns::Device> devices;
  for (auto d : {hnn::rns::Device::cuda_emulated(), hnn::rns::Device::cuda(0)})
    if (hnn::ckks::device_available(d)) devices.push_back(d);
  if (devices.empty()) GTEST_SKIP() << "this build has no CUDA backend";
  const Tiny t;
  TinyEncrypted e(t, t.dev[1].sentence);
  const auto cpu = e.serve(hnn::rns::Device::cpu());
  for (const auto device : devices) {
    SCOPED_TRACE(device.name());
    const auto dev = e.serve(device);
    ASSERT_EQ(dev.out.size(), cpu.out.size());
    EXPECT_EQ(dev.out.level(), cpu.out.level());
    EXPECT_EQ(dev.out.scale(), cpu.out.scale());
    for (std::size_t i = 0; i < cpu.out.size(); ++i) {
      const auto a = cpu.out[i].words(), b = dev.out[i].words();
      ASSERT_EQ(a.size(), b.size());
      EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << "component " << i << " differs";
    }
    EXPECT_EQ(dev.counters.bootstraps, cpu.counters.bootstraps);
    EXPECT_EQ(e.score(dev.out), e.score(cpu.out));
  }
}

}  // namespace
