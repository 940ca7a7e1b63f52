#include "hnn/cryptonn/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "hnn/rns/error.h"

namespace hnn::cryptonn {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

constexpr std::size_t kClasses = 10;

int64_t quantise(double v, int frac_bits) { return std::llround(std::ldexp(v, frac_bits)); }

// The plaintext twin of the FE computations: the same integers, computed in the clear.
class PlaintextOracle final : public Layer1Oracle {
 public:
  std::string name() const override { return "plaintext"; }
  void prepare(const MnistSet& train, const std::vector<std::vector<uint32_t>>& batches,
               const TrainConfig& cfg, const PrepareProgress&) override {
    train_ = &train;
    batches_ = batches;
    fp_ = cfg.fixed_point;
  }
  std::vector<int64_t> forward(std::size_t b, std::span<const int64_t> w1q, std::size_t hidden) override {
    const auto& idx = batches_[b];
    const std::size_t n = train_->features();
    std::vector<int64_t> z(idx.size() * hidden);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t s = 0; s < static_cast<std::ptrdiff_t>(idx.size()); ++s) {
      const uint8_t* x = train_->image(idx[s]);
      for (std::size_t j = 0; j < hidden; ++j) {
        int64_t acc = 0;
        for (std::size_t i = 0; i < n; ++i) acc += w1q[j * n + i] * x[i];
        z[s * hidden + j] = acc;
      }
    }
    return z;
  }
  std::vector<int64_t> output_error(std::size_t b, std::span<const int64_t> p_q) override {
    const auto& idx = batches_[b];
    std::vector<int64_t> e(idx.size() * kClasses);
    for (std::size_t s = 0; s < idx.size(); ++s)
      for (std::size_t c = 0; c < kClasses; ++c)
        e[s * kClasses + c] =
            (train_->labels[idx[s]] == c ? (int64_t{1} << fp_.prob_frac_bits) : 0) - p_q[s * kClasses + c];
    return e;
  }
  std::vector<int64_t> weight_gradient(std::size_t b, std::span<const int64_t> d_q, std::size_t hidden,
                                       std::span<const uint8_t> skip) override {
    const auto& idx = batches_[b];
    const std::size_t n = train_->features();
    std::vector<int64_t> g(hidden * n, 0);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t j = 0; j < static_cast<std::ptrdiff_t>(hidden); ++j) {
      if (skip[j]) continue;
      for (std::size_t s = 0; s < idx.size(); ++s) {
        const int64_t d = d_q[s * hidden + j];
        if (d == 0) continue;
        const uint8_t* x = train_->image(idx[s]);
        for (std::size_t i = 0; i < n; ++i) g[j * n + i] += d * x[i];
      }
    }
    return g;
  }

 private:
  const MnistSet* train_ = nullptr;
  std::vector<std::vector<uint32_t>> batches_;
  FixedPoint fp_;
};

std::vector<int64_t> quantise_w1(const Mlp& m, int frac_bits) {
  std::vector<int64_t> q(m.w1.size());
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = quantise(m.w1[i], frac_bits);
  return q;
}

// Layer 2 and softmax from the first layer's integer pre-activations (shared by training and test).
void forward_rest(const Mlp& m, const int64_t* z_int, double z_scale, float* z1, float* h, float* p) {
  for (std::size_t j = 0; j < m.hidden; ++j) {
    z1[j] = static_cast<float>(static_cast<double>(z_int[j]) * z_scale) + m.b1[j];
    h[j] = z1[j] > 0 ? z1[j] : 0.0f;
  }
  float zmax = -1e30f;
  float z2[kClasses];
  for (std::size_t c = 0; c < m.out; ++c) {
    float acc = m.b2[c];
    for (std::size_t j = 0; j < m.hidden; ++j) acc += m.w2[c * m.hidden + j] * h[j];
    z2[c] = acc;
    zmax = std::max(zmax, acc);
  }
  float sum = 0;
  for (std::size_t c = 0; c < m.out; ++c) sum += (p[c] = std::exp(z2[c] - zmax));
  for (std::size_t c = 0; c < m.out; ++c) p[c] /= sum;
}

}  // namespace

PartyTimes PartyTimes::minus(const PartyTimes& o) const {
  PartyTimes d;
  d.client_encrypt = client_encrypt - o.client_encrypt;
  d.authority_setup = authority_setup - o.authority_setup;
  d.authority_keys = authority_keys - o.authority_keys;
  d.server_setup = server_setup - o.server_setup;
  d.server_forward = server_forward - o.server_forward;
  d.server_output_error = server_output_error - o.server_output_error;
  d.server_gradient = server_gradient - o.server_gradient;
  d.server_plain = server_plain - o.server_plain;
  return d;
}

Mlp Mlp::init(std::size_t in, std::size_t hidden, std::size_t out, uint64_t seed) {
  // He-uniform for the ReLU layer, Glorot-uniform for the output layer; a fixed-seed std RNG is
  // fine here (public initialisation, identical for the secure and the baseline run).
  Mlp m;
  m.in = in, m.hidden = hidden, m.out = out;
  std::mt19937_64 rng(seed);
  const float a1 = std::sqrt(6.0f / static_cast<float>(in));
  const float a2 = std::sqrt(6.0f / static_cast<float>(hidden + out));
  std::uniform_real_distribution<float> u1(-a1, a1), u2(-a2, a2);
  m.w1.resize(hidden * in);
  for (auto& w : m.w1) w = u1(rng);
  m.w2.resize(out * hidden);
  for (auto& w : m.w2) w = u2(rng);
  m.b1.assign(hidden, 0.0f);
  m.b2.assign(out, 0.0f);
  return m;
}

std::unique_ptr<Layer1Oracle> make_plaintext_oracle() { return std::make_unique<PlaintextOracle>(); }

double evaluate(const Mlp& m, const MnistSet& test, const FixedPoint& fp) {
  const auto w1q = quantise_w1(m, fp.weight_frac_bits);
  const double z_scale = 1.0 / (255.0 * std::ldexp(1.0, fp.weight_frac_bits));
  std::size_t correct = 0;
#pragma omp parallel for reduction(+ : correct) schedule(static)
  for (std::ptrdiff_t s = 0; s < static_cast<std::ptrdiff_t>(test.size()); ++s) {
    std::vector<int64_t> z(m.hidden);
    const uint8_t* x = test.image(s);
    for (std::size_t j = 0; j < m.hidden; ++j) {
      int64_t acc = 0;
      for (std::size_t i = 0; i < m.in; ++i) acc += w1q[j * m.in + i] * x[i];
      z[j] = acc;
    }
    std::vector<float> z1(m.hidden), h(m.hidden);
    float p[kClasses];
    forward_rest(m, z.data(), z_scale, z1.data(), h.data(), p);
    correct += static_cast<std::size_t>(std::max_element(p, p + m.out) - p) == test.labels[s];
  }
  return test.size() ? static_cast<double>(correct) / static_cast<double>(test.size()) : 0.0;
}

TrainResult train(const MnistSet& train_set, const MnistSet& test_set, const TrainConfig& cfg,
                  Layer1Oracle& oracle,
                  const std::function<void(int, std::size_t, std::size_t)>& progress) {
  HNN_REQUIRE(cfg.batch >= 2 && cfg.hidden >= 1 && cfg.epochs >= 1, "train: batch >= 2, hidden >= 1, epochs >= 1");
  HNN_REQUIRE(train_set.size() >= cfg.batch, "train: fewer samples (", train_set.size(),
              ") than one batch (", cfg.batch, ")");
  const FixedPoint& fp = cfg.fixed_point;
  const std::size_t n_in = train_set.features(), H = cfg.hidden, B = cfg.batch;

  // Fixed batch composition (the Clients encrypt each batch's transposed inputs once); the
  // remainder that does not fill a batch is dropped, in both runs.
  std::vector<uint32_t> order(train_set.size());
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 shuffle_rng(cfg.seed ^ 0x5eedULL);
  std::shuffle(order.begin(), order.end(), shuffle_rng);
  std::vector<std::vector<uint32_t>> batches(train_set.size() / B);
  for (std::size_t b = 0; b < batches.size(); ++b)
    batches[b].assign(order.begin() + b * B, order.begin() + (b + 1) * B);

  TrainResult result;
  result.model = Mlp::init(n_in, H, kClasses, cfg.seed);
  Mlp& m = result.model;
  const auto t_prep = Clock::now();
  oracle.prepare(train_set, batches, cfg, [&](std::size_t done, std::size_t total) {
    if (progress) progress(0, done, total);
  });
  result.prepare_seconds = seconds_since(t_prep);

  const double z_scale = 1.0 / (255.0 * std::ldexp(1.0, fp.weight_frac_bits));
  const double p_unit = std::ldexp(1.0, fp.prob_frac_bits);
  const double g_scale = 1.0 / (255.0 * std::ldexp(1.0, fp.delta_frac_bits) * static_cast<double>(B));
  const float lr = cfg.learning_rate;

  std::vector<float> z1(B * H), h(B * H), p(B * kClasses), d2(B * kClasses), d1(B * H);
  std::vector<int64_t> p_q(B * kClasses), d_q(B * H);
  std::vector<float> gw2(kClasses * H), gb2(kClasses), gb1(H);
  std::vector<uint8_t> skip(H);

  for (int epoch = 1; epoch <= cfg.epochs; ++epoch) {
    const auto t_epoch = Clock::now();
    const PartyTimes before = oracle.times();
    double plain_seconds = 0, loss = 0;
    std::size_t skipped = 0;
    std::vector<std::size_t> batch_order(batches.size());
    std::iota(batch_order.begin(), batch_order.end(), std::size_t{0});
    std::mt19937_64 epoch_rng(cfg.seed + static_cast<uint64_t>(epoch));
    std::shuffle(batch_order.begin(), batch_order.end(), epoch_rng);

    for (std::size_t done = 0; done < batch_order.size(); ++done) {
      const std::size_t b = batch_order[done];
      const auto& idx = batches[b];
      // 1. z1 = W1 x (FEIP on the Server; W1 quantised).
      const auto w1q = quantise_w1(m, fp.weight_frac_bits);
      const auto z_int = oracle.forward(b, w1q, H);
      auto t_plain = Clock::now();
      for (std::size_t s = 0; s < B; ++s) {
        forward_rest(m, &z_int[s * H], z_scale, &z1[s * H], &h[s * H], &p[s * kClasses]);
        for (std::size_t c = 0; c < kClasses; ++c) p_q[s * kClasses + c] = quantise(p[s * kClasses + c], fp.prob_frac_bits);
        loss -= std::log(std::max(p[s * kClasses + train_set.labels[idx[s]]], 1e-12f));
      }
      plain_seconds += seconds_since(t_plain);
      // 2. delta2 = p - y (FEBO on the encrypted label).
      const auto e = oracle.output_error(b, p_q);
      t_plain = Clock::now();
      for (std::size_t k = 0; k < B * kClasses; ++k) d2[k] = static_cast<float>(-static_cast<double>(e[k]) / p_unit);
      std::fill(gw2.begin(), gw2.end(), 0.0f);
      std::fill(gb2.begin(), gb2.end(), 0.0f);
      std::fill(gb1.begin(), gb1.end(), 0.0f);
      for (std::size_t s = 0; s < B; ++s)
        for (std::size_t c = 0; c < kClasses; ++c) {
          const float d = d2[s * kClasses + c];
          gb2[c] += d;
          for (std::size_t j = 0; j < H; ++j) gw2[c * H + j] += d * h[s * H + j];
        }
      // 3. delta1 = (W2^T delta2) * relu'(z1), quantised for the FEIP key requests.
      for (std::size_t s = 0; s < B; ++s)
        for (std::size_t j = 0; j < H; ++j) {
          float acc = 0;
          for (std::size_t c = 0; c < kClasses; ++c) acc += m.w2[c * H + j] * d2[s * kClasses + c];
          d1[s * H + j] = z1[s * H + j] > 0 ? acc : 0.0f;
          d_q[s * H + j] = quantise(d1[s * H + j], fp.delta_frac_bits);
          gb1[j] += static_cast<float>(std::ldexp(static_cast<double>(d_q[s * H + j]), -fp.delta_frac_bits));
        }
      // The Authority refuses keys with 1..min_nonzero-1 nonzero entries (such a column of delta1
      // would reveal one sample); the baseline withholds the same rows.
      for (std::size_t j = 0; j < H; ++j) {
        std::size_t nz = 0;
        for (std::size_t s = 0; s < B; ++s) nz += d_q[s * H + j] != 0;
        skip[j] = nz == 0 || nz < cfg.min_nonzero;
        skipped += nz != 0 && nz < cfg.min_nonzero;
      }
      plain_seconds += seconds_since(t_plain);
      // 4. dW1 = delta1^T X (FEIP on the batch's transposed inputs).
      const auto g_int = oracle.weight_gradient(b, d_q, H, skip);
      t_plain = Clock::now();
      const float inv_b = 1.0f / static_cast<float>(B);
      for (std::size_t k = 0; k < m.w1.size(); ++k)
        m.w1[k] -= lr * static_cast<float>(static_cast<double>(g_int[k]) * g_scale);
      for (std::size_t j = 0; j < H; ++j) m.b1[j] -= lr * gb1[j] * inv_b;
      for (std::size_t k = 0; k < m.w2.size(); ++k) m.w2[k] -= lr * gw2[k] * inv_b;
      for (std::size_t c = 0; c < kClasses; ++c) m.b2[c] -= lr * gb2[c] * inv_b;
      plain_seconds += seconds_since(t_plain);
      if (progress) progress(epoch, done + 1, batch_order.size());
    }
    EpochStats st;
    st.epoch = epoch;
    st.seconds = seconds_since(t_epoch);
    st.train_loss = loss / static_cast<double>(batches.size() * B);
    st.skipped_gradient_rows = skipped;
    st.times = oracle.times().minus(before);
    st.times.server_plain = plain_seconds;
    st.test_accuracy = evaluate(m, test_set, fp);
    result.times.server_plain += plain_seconds;
    result.epochs.push_back(st);
  }
  const PartyTimes t = oracle.times();
  const double plain = result.times.server_plain;
  result.times = t;
  result.times.server_plain = plain;
  result.test_accuracy = result.epochs.back().test_accuracy;
  return result;
}

}  // namespace hnn::cryptonn
