// CryptoNN training of a multilayer perceptron on MNIST (Xu, Joshi, Li, ICDCS 2019, section V).
//
// Architecture: 784 - H (ReLU) - 10 (softmax), cross-entropy, mini-batch SGD. Only the first layer
// touches the (encrypted) samples, so only it goes through functional encryption, as in the paper:
//   forward    z1 = W1 x        FEIP: the Server decrypts <W1_j, x> with one key per row of W1
//   output     delta2 = p - y   FEBO: the label is encrypted; keys for "label - p_c" per sample
//   backward   dW1 = delta1^T X FEIP over the batch's transposed inputs: one ciphertext per pixel
//                               (a vector over the batch), one key per hidden unit (a column of delta1)
// Everything else (layer 2, activations, updates) is plaintext on the Server.
//
// Fixed point (FixedPoint): the FE schemes work on integers, so the protocol quantises:
//   x  = pixel / 255, encrypted as the integer pixel (8 bits);
//   W1 is sent as round(W1 * 2^weight_frac_bits);   z1 = <W1q, pixel> / (255 * 2^w) + b1;
//   delta1 as round(delta1 * 2^delta_frac_bits);     dW1 = <delta1q, pixel> / (255 * 2^d * batch);
//   p and the one-hot label as round(. * 2^prob_frac_bits).
// The plaintext baseline runs the SAME code with a plaintext oracle that computes those integers
// directly, so both runs see identical quantisation, initialisation, batch order and hyper-
// parameters: any difference between them is a bug in the cryptography, not a modelling choice.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hnn/cryptonn/mnist.h"

namespace hnn::cryptonn {

struct FixedPoint {
  int input_bits = 8;
  int weight_frac_bits = 10;
  int delta_frac_bits = 14;
  int prob_frac_bits = 16;
};

struct TrainConfig {
  std::size_t hidden = 64;
  std::size_t batch = 64;
  int epochs = 1;
  float learning_rate = 0.3f;
  uint64_t seed = 2019;          // weight init and the (fixed) batch composition and order
  FixedPoint fixed_point;
  std::size_t min_nonzero = 2;   // Authority policy: FEIP keys need >= this many nonzero entries
  std::size_t num_clients = 1;   // batches are dealt round-robin to this many Clients
  int64_t dlog_bound = int64_t{1} << 40;
  int64_t dlog_baby_steps = int64_t{1} << 20;
};

struct Mlp {
  std::size_t in = 0, hidden = 0, out = 0;
  std::vector<float> w1, b1, w2, b2;  // w1: hidden x in, w2: out x hidden (row-major)
  static Mlp init(std::size_t in, std::size_t hidden, std::size_t out, uint64_t seed);
};

// Wall-clock seconds per party and phase.
struct PartyTimes {
  double client_encrypt = 0;       // Clients: encrypt samples, labels, transposed batches
  double authority_setup = 0;      // Authority: master keys
  double authority_keys = 0;       // Authority: derive + sign function keys (incl. FEBO)
  double server_setup = 0;         // Server: discrete-log tables
  double server_forward = 0;       // Server: verify keys, decrypt W1 x (incl. discrete logs)
  double server_output_error = 0;  // Server: FEBO decryptions
  double server_gradient = 0;      // Server: decrypt delta1^T X
  double server_plain = 0;         // Server: plaintext layers and updates
  double authority() const { return authority_setup + authority_keys; }
  double server() const { return server_setup + server_forward + server_output_error + server_gradient + server_plain; }
  PartyTimes minus(const PartyTimes& o) const;
};

// The three integer quantities the protocol obtains through functional encryption.
class Layer1Oracle {
 public:
  virtual ~Layer1Oracle() = default;
  virtual std::string name() const = 0;
  // progress(done, total) during preparation: the Clients' encryptions (one unit per sample with
  // its labels, one per transposed column), reported about every 1 %; may be empty.
  using PrepareProgress = std::function<void(std::size_t done, std::size_t total)>;
  // Once, before training: the data and the fixed batch composition (indices into `train`).
  virtual void prepare(const MnistSet& train, const std::vector<std::vector<uint32_t>>& batches,
                       const TrainConfig& cfg, const PrepareProgress& progress = {}) = 0;
  // z[s*H + j] = sum_i w1q[j*784 + i] * pixel_s[i] for the samples s of batch b.
  virtual std::vector<int64_t> forward(std::size_t b, std::span<const int64_t> w1q, std::size_t hidden) = 0;
  // e[s*10 + c] = label_q[s][c] - p_q[s*10 + c].
  virtual std::vector<int64_t> output_error(std::size_t b, std::span<const int64_t> p_q) = 0;
  // g[j*784 + i] = sum_s d_q[s*H + j] * pixel_s[i]; rows j with skip[j] stay 0 (never requested).
  virtual std::vector<int64_t> weight_gradient(std::size_t b, std::span<const int64_t> d_q,
                                               std::size_t hidden, std::span<const uint8_t> skip) = 0;
  virtual PartyTimes times() const { return times_; }
  virtual std::size_t keys_issued() const { return 0; }

 protected:
  PartyTimes times_;
};

std::unique_ptr<Layer1Oracle> make_plaintext_oracle();
// group: "ristretto255", "modp-3072" or "test" (modp-test-insecure-64).
std::unique_ptr<Layer1Oracle> make_secure_oracle(const std::string& group);

struct EpochStats {
  int epoch = 0;
  double seconds = 0;
  double train_loss = 0;
  double test_accuracy = 0;
  std::size_t skipped_gradient_rows = 0;  // hidden units whose dW1 the policy withheld
  PartyTimes times;                        // this epoch only
};

struct TrainResult {
  Mlp model;
  std::vector<EpochStats> epochs;
  double test_accuracy = 0;
  PartyTimes times;  // all of training, including preparation
  double prepare_seconds = 0;
};

// progress(epoch, batch_done, batches_total) after every batch, and with epoch 0 during the
// oracle's preparation (units as Layer1Oracle::PrepareProgress); may be empty.
TrainResult train(const MnistSet& train_set, const MnistSet& test_set, const TrainConfig& cfg,
                  Layer1Oracle& oracle,
                  const std::function<void(int epoch, std::size_t done, std::size_t total)>& progress = {});

// Test accuracy with the same quantised first layer the protocol uses.
double evaluate(const Mlp& model, const MnistSet& test_set, const FixedPoint& fp);

}  // namespace hnn::cryptonn
