// Encrypted DistilBERT on the tiny fixture model (fixtures/he-tiny: dim 64, 4 heads, 2 layers):
// the slot-level plaintext backend equals the HE-friendly twin; the whole model under CKKS
// (insecure logN = 12, 9 levels between bootstraps) gives the twin's decision and score.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "hnn/ckks/bootstrap/bootstrapper.h"
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

double plain_score(const Tiny& t, const Encoding& enc, std::size_t* bootstraps = nullptr) {
  const auto layout = sentence_layout(t.model.model().config(), t.slots, enc.real_tokens());
  he::PlainBackend b(layout, 9);
  std::size_t real = 0;
  he::Tensor<he::PlainBackend::Value> x{64, {}};
  for (auto& c : embed_and_pack(t.model, enc, layout, real)) x.chunks.push_back(b.encrypt(c));
  const auto out = encrypted_forward(b, t.model, std::move(x), real);
  if (bootstraps) *bootstraps = b.counters().bootstraps;
  return out.v[0];
}

TEST(EncryptedDistilBert, PlainBackendEqualsTheTwin) {
  const Tiny t;
  std::size_t checked = 0;
  for (const auto& s : t.dev) {
    const Encoding enc = t.tokenizer.encode(s.sentence, 16);
    std::size_t boots = 0;
    const double got = plain_score(t, enc, &boots);
    EXPECT_NEAR(got, twin_score(t, enc), 1e-9) << s.sentence;
    EXPECT_GT(boots, 0u);
    ++checked;
  }
  EXPECT_GE(checked, 8u);
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

TEST(EncryptedDistilBert, CkksEndToEndGivesTheTwinsDecision) {
  const Tiny t;
  const auto& cfg = t.model.model().config();
  const Encoding enc = t.tokenizer.encode(t.dev[1].sentence, 8);
  const auto layout = sentence_layout(cfg, t.slots, enc.real_tokens());

  auto preset = hnn::ckks::bootstrap::presets::insecure_n12_bootstrap(t.slots, 9);
  preset.config.real_slots = true;
  auto ctx = hnn::ckks::Context::create(hnn::ckks::Parameters::create(preset.params));
  hnn::ckks::bootstrap::Bootstrapper boot(ctx, preset.config);
  std::vector<std::string> calibration;
  for (const auto& s : t.dev) calibration.push_back(s.sentence);
  const Calibration cal = calibrate(t.model, t.tokenizer, layout, boot.output_level(), calibration);

  // client: keys and the encrypted embeddings
  auto keygen = hnn::ckks::KeyGenerator::insecure_from_seed_for_testing(ctx, hnn::rns::Prng::Seed{{3}});
  he::EvaluationKeys keys = boot.create_keys(keygen);
  std::vector<uint32_t> elements;
  for (int s : cal.rotation_steps) {
    if (!keys.galois.has(ctx->galois_element(s))) elements.push_back(ctx->galois_element(s));
  }
  keygen.add_galois_keys(keys.galois, elements);
  hnn::ckks::Encoder encoder(ctx);
  hnn::ckks::Encryptor encryptor(ctx, keygen.create_public_key());
  std::size_t real = 0;
  const auto packed = embed_and_pack(t.model, enc, layout, real);

  // server
  he::CkksBackend b(layout, boot, keys, cal.bounds);
  he::Tensor<he::CkksBackend::Value> x{static_cast<std::size_t>(cfg.dim), {}};
  for (const auto& c : packed) {
    x.chunks.push_back(b.adopt(encryptor.encrypt(encoder.encode(std::span<const double>(c), b.fresh_level()))));
  }
  std::size_t stages = 0;
  const auto out = encrypted_forward(b, t.model, std::move(x), real, [&](const StageReport&) { ++stages; });

  hnn::ckks::Decryptor decryptor(ctx, keygen.secret_key());
  const double score = encoder.decode_real(decryptor.decrypt(out.ct))[0];
  const double want = twin_score(t, enc);
  const double bits = -std::log2(std::fabs(score - want));
  std::printf("encrypted score %.9f, twin %.9f (%.1f bits); %zu bootstraps (planned %zu), %zu rotations\n", score,
              want, bits, b.counters().bootstraps, cal.bootstraps_per_sentence, b.counters().rotations);
  EXPECT_EQ(score > 0.5, want > 0.5);
  EXPECT_GE(bits, 12.0);
  EXPECT_EQ(b.counters().bootstraps, cal.bootstraps_per_sentence);
  EXPECT_EQ(stages, 1u + 2u * 2u + 1u);
}

}  // namespace
