// The Layer1Oracle that runs the CryptoNN protocol between an Authority, Clients and a Server.
// Messages cross between the parties only as serialized bytes, and the Server keeps ciphertexts
// in that form (32 bytes per element for ristretto255) and parses them per batch.
#include <atomic>
#include <chrono>
#include <string>

#include "hnn/cryptonn/trainer.h"
#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"
#include "hnn/fe/roles.h"
#include "hnn/rns/error.h"

namespace hnn::cryptonn {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
constexpr std::size_t kClasses = 10;

template <fe::PrimeOrderGroup G>
class SecureOracle final : public Layer1Oracle {
 public:
  explicit SecureOracle(G group) : group_(std::move(group)) {}
  std::string name() const override { return "secure/" + group_.name(); }
  std::size_t keys_issued() const override { return authority_ ? authority_->key_log().size() : 0; }

  void prepare(const MnistSet& train, const std::vector<std::vector<uint32_t>>& batches,
               const TrainConfig& cfg, const PrepareProgress& progress) override {
    fp_ = cfg.fixed_point;
    batches_ = batches;
    features_ = train.features();
    const std::size_t B = cfg.batch;

    // Authority: master keys for FEIP over samples (dim 784), over transposed batches (dim B),
    // and FEBO for labels. Only the public halves leave it.
    auto t = Clock::now();
    fe::AuthorityPolicy policy;
    policy.min_nonzero = cfg.min_nonzero;
    authority_ = std::make_unique<fe::Authority<G>>(group_, policy);
    const auto mpk_x = authority_->setup_feip(features_);
    const auto mpk_b = authority_->setup_feip(B);
    const auto mpk_l = authority_->setup_febo();
    times_.authority_setup += seconds_since(t);

    // Clients: each owns whole batches (round-robin) and encrypts their samples, labels, and the
    // transposed batch (one ciphertext per pixel: that pixel across the batch).
    t = Clock::now();
    const std::size_t n_clients = std::max<std::size_t>(1, cfg.num_clients);
    std::vector<std::unique_ptr<fe::Client<G>>> clients;
    fe::KeyId id_x{}, id_b{}, id_l{};
    for (std::size_t c = 0; c < n_clients; ++c) {
      clients.push_back(std::make_unique<fe::Client<G>>(group_));
      id_x = clients.back()->add_feip_public_key(mpk_x, fp_.input_bits);
      id_b = clients.back()->add_feip_public_key(mpk_b, fp_.input_bits);
      id_l = clients.back()->add_febo_public_key(mpk_l);
    }
    sample_ct_.assign(batches.size(), {});
    label_ct_.assign(batches.size(), {});
    column_ct_.assign(batches.size(), {});
    for (std::size_t b = 0; b < batches.size(); ++b) {
      sample_ct_[b].resize(B);
      label_ct_[b].resize(B * kClasses);
      column_ct_[b].resize(features_);
    }
    const int label_bits = fp_.prob_frac_bits + 1;
    const std::ptrdiff_t jobs = static_cast<std::ptrdiff_t>(batches.size() * B);
    const std::ptrdiff_t col_jobs = static_cast<std::ptrdiff_t>(batches.size() * features_);
    const std::size_t total = static_cast<std::size_t>(jobs + col_jobs), step = std::max<std::size_t>(1, total / 100);
    std::atomic<std::size_t> done{0};
    auto tick = [&] {
      const std::size_t d = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress && (d % step == 0 || d == total)) {
#pragma omp critical(cryptonn_prepare_progress)
        progress(d, total);
      }
    };
#pragma omp parallel for schedule(dynamic, 4)
    for (std::ptrdiff_t k = 0; k < jobs; ++k) {
      const std::size_t b = static_cast<std::size_t>(k) / B, s = static_cast<std::size_t>(k) % B;
      const fe::Client<G>& client = *clients[b % n_clients];
      const uint32_t sample = batches[b][s];
      std::vector<int64_t> x(train.image(sample), train.image(sample) + features_);
      sample_ct_[b][s] = client.encrypt_feip(id_x, x);
      for (std::size_t c = 0; c < kClasses; ++c)
        label_ct_[b][s * kClasses + c] = client.encrypt_febo(
            id_l, train.labels[sample] == c ? (int64_t{1} << fp_.prob_frac_bits) : 0, label_bits);
      tick();
    }
#pragma omp parallel for schedule(dynamic, 16)
    for (std::ptrdiff_t k = 0; k < col_jobs; ++k) {
      const std::size_t b = static_cast<std::size_t>(k) / features_, i = static_cast<std::size_t>(k) % features_;
      std::vector<int64_t> column(B);
      for (std::size_t s = 0; s < B; ++s) column[s] = train.image(batches[b][s])[i];
      column_ct_[b][i] = clients[b % n_clients]->encrypt_feip(id_b, column);
      tick();
    }
    times_.client_encrypt += seconds_since(t);

    // Server: public keys, then the discrete-log tables shared by all decryptions.
    t = Clock::now();
    server_ = std::make_unique<fe::Server<G>>(group_, authority_->verify_key());
    id_x_ = server_->add_feip_public_key(mpk_x);
    id_b_ = server_->add_feip_public_key(mpk_b);
    id_l_ = server_->add_febo_public_key(mpk_l);
    HNN_ASSERT(id_x_ == id_x && id_b_ == id_b && id_l_ == id_l, "parties disagree on key ids");
    feip_dlog_ = std::make_unique<fe::BoundedDlog<G>>(group_, cfg.dlog_bound, cfg.dlog_baby_steps);
    const int64_t febo_bound = int64_t{2} << fp_.prob_frac_bits;
    febo_dlog_ = std::make_unique<fe::BoundedDlog<G>>(group_, febo_bound, febo_bound);
    times_.server_setup += seconds_since(t);
  }

  std::vector<int64_t> forward(std::size_t b, std::span<const int64_t> w1q, std::size_t hidden) override {
    // Authority: one key per row of W1 (the Server sends the rows it needs keys for).
    auto t = Clock::now();
    std::vector<std::vector<uint8_t>> key_bytes(hidden);
    for (std::size_t j = 0; j < hidden; ++j)
      key_bytes[j] = authority_->derive_feip_key(id_x_, w1q.subspan(j * features_, features_),
                                                 "forward W1 row " + std::to_string(j) + " batch " + std::to_string(b));
    times_.authority_keys += seconds_since(t);
    // Server: verify the keys, decrypt <W1_j, x_s> for every sample of the batch.
    t = Clock::now();
    std::vector<fe::FeipKeyMsg<G>> keys(hidden);
    for (std::size_t j = 0; j < hidden; ++j) keys[j] = server_->read_feip_key(key_bytes[j]);
    const auto packed = server_->pack(keys);
    const std::size_t B = batches_[b].size();
    std::vector<int64_t> z(B * hidden);
#pragma omp parallel for schedule(dynamic, 1)
    for (std::ptrdiff_t s = 0; s < static_cast<std::ptrdiff_t>(B); ++s) {
      const auto ct = server_->read_feip_ciphertext(sample_ct_[b][s]);
      const auto v = server_->decrypt(ct, packed, *feip_dlog_);
      std::copy(v.begin(), v.end(), z.begin() + s * hidden);
    }
    times_.server_forward += seconds_since(t);
    return z;
  }

  std::vector<int64_t> output_error(std::size_t b, std::span<const int64_t> p_q) override {
    const std::size_t n = batches_[b].size() * kClasses;
    auto t = Clock::now();
    std::vector<std::vector<uint8_t>> key_bytes(n);
    const std::string purpose = "output error batch " + std::to_string(b);
    for (std::size_t k = 0; k < n; ++k)
      key_bytes[k] = authority_->derive_febo_key(label_ct_[b][k], fe::FeboOp::kSub, p_q[k], purpose);
    times_.authority_keys += seconds_since(t);
    t = Clock::now();
    std::vector<int64_t> e(n);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t k = 0; k < static_cast<std::ptrdiff_t>(n); ++k) {
      const auto key = server_->read_febo_key(key_bytes[k]);
      const auto ct = server_->read_febo_ciphertext(label_ct_[b][k]);
      HNN_ASSERT(key.y == p_q[k], "FEBO key for another value");
      e[k] = server_->decrypt(ct, key, *febo_dlog_);
    }
    times_.server_output_error += seconds_since(t);
    return e;
  }

  std::vector<int64_t> weight_gradient(std::size_t b, std::span<const int64_t> d_q, std::size_t hidden,
                                       std::span<const uint8_t> skip) override {
    const std::size_t B = batches_[b].size();
    auto t = Clock::now();
    std::vector<std::size_t> rows;
    std::vector<std::vector<uint8_t>> key_bytes;
    std::vector<int64_t> y(B);
    for (std::size_t j = 0; j < hidden; ++j) {
      if (skip[j]) continue;
      for (std::size_t s = 0; s < B; ++s) y[s] = d_q[s * hidden + j];
      key_bytes.push_back(authority_->derive_feip_key(
          id_b_, y, "gradient delta1 column " + std::to_string(j) + " batch " + std::to_string(b)));
      rows.push_back(j);
    }
    times_.authority_keys += seconds_since(t);
    std::vector<int64_t> g(hidden * features_, 0);
    if (rows.empty()) return g;
    t = Clock::now();
    std::vector<fe::FeipKeyMsg<G>> keys(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) keys[r] = server_->read_feip_key(key_bytes[r]);
    const auto packed = server_->pack(keys);
#pragma omp parallel for schedule(dynamic, 4)
    for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(features_); ++i) {
      const auto ct = server_->read_feip_ciphertext(column_ct_[b][i]);
      const auto v = server_->decrypt(ct, packed, *feip_dlog_);
      for (std::size_t r = 0; r < rows.size(); ++r) g[rows[r] * features_ + i] = v[r];
    }
    times_.server_gradient += seconds_since(t);
    return g;
  }

 private:
  G group_;
  FixedPoint fp_;
  std::vector<std::vector<uint32_t>> batches_;
  std::size_t features_ = 0;
  std::unique_ptr<fe::Authority<G>> authority_;
  std::unique_ptr<fe::Server<G>> server_;
  fe::KeyId id_x_{}, id_b_{}, id_l_{};
  std::unique_ptr<fe::BoundedDlog<G>> feip_dlog_, febo_dlog_;
  // What the Server received: serialized ciphertexts, per batch.
  std::vector<std::vector<std::vector<uint8_t>>> sample_ct_, label_ct_, column_ct_;
};

}  // namespace

std::unique_ptr<Layer1Oracle> make_secure_oracle(const std::string& group) {
  if (group == "ristretto255") return std::make_unique<SecureOracle<fe::Ristretto255>>(fe::Ristretto255());
  if (group == "modp-3072") return std::make_unique<SecureOracle<fe::ModpGroup>>(fe::modp_3072());
  if (group == "test") return std::make_unique<SecureOracle<fe::ModpGroup>>(fe::modp_test_insecure_64());
  HNN_THROW(InvalidArgument, "unknown group '", group, "': use ristretto255, modp-3072 or test");
}

}  // namespace hnn::cryptonn
