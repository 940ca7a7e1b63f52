// CryptoNN end to end: secure training on a 1,000-sample MNIST subset in the small test group must
// reach the plaintext baseline's accuracy (within 1 point; by construction it reproduces it).
#include <gtest/gtest.h>

#include <cmath>

#include "hnn/cryptonn/mnist.h"
#include "hnn/cryptonn/trainer.h"
#include "hnn/rns/error.h"

namespace hnn::cryptonn {
namespace {

TEST(Mnist, LoadsAndValidates) {
  const auto test = load_mnist(default_mnist_dir(), false);
  ASSERT_EQ(test.size(), 10000u);
  EXPECT_EQ(test.features(), 784u);
  EXPECT_EQ(test.pixels.size(), 10000u * 784u);
  // Known first labels of the MNIST test set: 7 2 1 0 4.
  EXPECT_EQ(std::vector<uint8_t>(test.labels.begin(), test.labels.begin() + 5),
            (std::vector<uint8_t>{7, 2, 1, 0, 4}));
  const auto train = load_mnist(default_mnist_dir(), true, 100);
  EXPECT_EQ(train.size(), 100u);
  EXPECT_EQ(train.labels[0], 5);  // the first training digit is a 5
  EXPECT_THROW(load_mnist("/nonexistent", true), InvalidArgument);
}

TEST(CryptoNN, SecureTrainingMatchesBaselineOn1000Samples) {
  const auto train_set = load_mnist(default_mnist_dir(), true, 1000);
  const auto test_set = load_mnist(default_mnist_dir(), false, 2000);
  TrainConfig cfg;
  cfg.hidden = 16;
  cfg.batch = 50;
  cfg.epochs = 2;
  cfg.learning_rate = 0.3f;
  cfg.num_clients = 2;
  cfg.dlog_baby_steps = 1 << 17;
  auto secure_oracle = make_secure_oracle("test");
  auto plain_oracle = make_plaintext_oracle();
  const auto secure = train(train_set, test_set, cfg, *secure_oracle);
  const auto baseline = train(train_set, test_set, cfg, *plain_oracle);
  EXPECT_GT(baseline.test_accuracy, 0.65);  // the model does learn from 1,000 samples (~0.73)
  EXPECT_LE(std::fabs(secure.test_accuracy - baseline.test_accuracy), 0.01);
  // Stronger: the protocol computed exactly the integers the baseline computed in the clear.
  EXPECT_EQ(secure.model.w1, baseline.model.w1);
  EXPECT_EQ(secure.model.w2, baseline.model.w2);
  // Every party did work, and the Authority issued (and logged) keys: 2 epochs x 20 batches x
  // (16 forward + 500 FEBO + <= 16 gradient).
  EXPECT_GT(secure.times.client_encrypt, 0);
  EXPECT_GT(secure.times.server_forward, 0);
  EXPECT_GE(secure_oracle->keys_issued(), 40u * (16 + 500));
  EXPECT_LE(secure_oracle->keys_issued(), 40u * (16 + 500 + 16));
}

TEST(CryptoNN, UnknownGroupRejected) { EXPECT_THROW(make_secure_oracle("p-256"), InvalidArgument); }

}  // namespace
}  // namespace hnn::cryptonn
