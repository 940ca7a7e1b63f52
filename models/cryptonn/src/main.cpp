// hnn-cryptonn: train an MLP on MNIST over functionally-encrypted data (CryptoNN) next to its
// plaintext baseline, and report accuracy, time per epoch and each party's share.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "hnn/cryptonn/mnist.h"
#include "hnn/cryptonn/trainer.h"

namespace {

using hnn::cryptonn::PartyTimes;

void print_times(const char* label, const PartyTimes& t) {
  std::printf("  %s: client_encrypt=%.2fs authority=%.2fs (setup %.2f, keys %.2f) server=%.2fs "
              "(setup %.2f, forward %.2f, output_error %.2f, gradient %.2f, plaintext %.2f)\n",
              label, t.client_encrypt, t.authority(), t.authority_setup, t.authority_keys, t.server(),
              t.server_setup, t.server_forward, t.server_output_error, t.server_gradient, t.server_plain);
}

std::string times_json(const PartyTimes& t) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"client_encrypt_s\": %.3f, \"authority_setup_s\": %.3f, \"authority_keys_s\": %.3f, "
                "\"server_setup_s\": %.3f, \"server_forward_s\": %.3f, \"server_output_error_s\": %.3f, "
                "\"server_gradient_s\": %.3f, \"server_plaintext_s\": %.3f}",
                t.client_encrypt, t.authority_setup, t.authority_keys, t.server_setup, t.server_forward,
                t.server_output_error, t.server_gradient, t.server_plain);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CryptoNN: train an MNIST MLP over functionally-encrypted data"};
  app.require_subcommand(1);
  auto* train_cmd = app.add_subcommand("train", "secure training and its plaintext baseline");
  hnn::cryptonn::TrainConfig cfg;
  std::size_t samples = 0, test_samples = 0;
  std::string group = "ristretto255", data_dir = hnn::cryptonn::default_mnist_dir(), json_path;
  bool no_baseline = false, no_secure = false, quiet = false;
  int threads = 0;
  train_cmd->add_option("--samples", samples, "training samples (first N of the training set; 0 = all 60000)");
  train_cmd->add_option("--test-samples", test_samples, "test samples (0 = all 10000)");
  train_cmd->add_option("--epochs", cfg.epochs, "epochs")->check(CLI::PositiveNumber);
  train_cmd->add_option("--group", group, "ristretto255 | modp-3072 | test (insecure 64-bit, for tests)")
      ->check(CLI::IsMember({"ristretto255", "modp-3072", "test"}));
  train_cmd->add_option("--hidden", cfg.hidden, "hidden units");
  train_cmd->add_option("--batch", cfg.batch, "batch size (= FEIP dimension of the transposed inputs)");
  train_cmd->add_option("--lr", cfg.learning_rate, "SGD learning rate");
  train_cmd->add_option("--seed", cfg.seed, "seed of weight init and batch order (public)");
  train_cmd->add_option("--clients", cfg.num_clients, "number of data-owning Clients");
  train_cmd->add_option("--baby-steps", cfg.dlog_baby_steps, "baby-step table half-width m (table 2m+1)");
  train_cmd->add_option("--threads", threads, "OpenMP threads (0 = default)");
  train_cmd->add_option("--data-dir", data_dir, "folder with the MNIST IDX .gz files");
  train_cmd->add_option("--json", json_path, "write the figures to this JSON file");
  train_cmd->add_flag("--no-baseline", no_baseline, "skip the plaintext baseline");
  train_cmd->add_flag("--no-secure", no_secure, "skip the secure run");
  train_cmd->add_flag("--quiet", quiet, "no progress bar");
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) omp_set_num_threads(threads);

  try {
    const auto train_set = hnn::cryptonn::load_mnist(data_dir, true, samples);
    const auto test_set = hnn::cryptonn::load_mnist(data_dir, false, test_samples);
    std::printf("cryptonn: MLP 784-%zu-10, batch %zu, lr %.3f, epochs %d, %zu train / %zu test samples, "
                "group %s, %d threads\n", cfg.hidden, cfg.batch, cfg.learning_rate, cfg.epochs,
                train_set.size(), test_set.size(), group.c_str(), omp_get_max_threads());
    std::printf("fixed point: x = pixel (8 bits), W1 * 2^%d, delta1 * 2^%d, p and labels * 2^%d\n",
                cfg.fixed_point.weight_frac_bits, cfg.fixed_point.delta_frac_bits, cfg.fixed_point.prob_frac_bits);
    std::fflush(stdout);
    auto bar = [&](const char* what) {
      return [&, what](int epoch, std::size_t done, std::size_t total) {
        if (quiet) return;
        const int width = 40, filled = static_cast<int>(width * done / total);
        // epoch 0: the Clients encrypting (samples with their labels, then transposed columns)
        const std::string stage = epoch == 0 ? "encrypt" : "epoch " + std::to_string(epoch);
        std::fprintf(stderr, "\r%s %s [%.*s%*s] %zu/%zu %s", what, stage.c_str(), filled,
                     "########################################", width - filled, "", done, total,
                     epoch == 0 ? "samples and columns" : "batches");
        if (done == total) std::fprintf(stderr, "\n");
      };
    };
    std::string json = "{\n  \"model\": \"784-" + std::to_string(cfg.hidden) + "-10\", \"group\": \"" + group +
                       "\", \"train_samples\": " + std::to_string(train_set.size()) +
                       ", \"test_samples\": " + std::to_string(test_set.size()) +
                       ", \"epochs\": " + std::to_string(cfg.epochs) + ", \"batch\": " + std::to_string(cfg.batch) +
                       ", \"threads\": " + std::to_string(omp_get_max_threads());
    double secure_acc = -1, baseline_acc = -1;
    hnn::cryptonn::TrainResult secure, baseline;
    if (!no_secure) {
      auto oracle = hnn::cryptonn::make_secure_oracle(group);
      secure = hnn::cryptonn::train(train_set, test_set, cfg, *oracle, bar("secure  "));
      std::printf("secure: preparation (key setup, encryption, dlog tables) %.2fs\n", secure.prepare_seconds);
      for (const auto& e : secure.epochs) {
        std::printf("secure epoch %d: test_accuracy=%.4f loss=%.4f time=%.2fs withheld_gradient_rows=%zu\n",
                    e.epoch, e.test_accuracy, e.train_loss, e.seconds, e.skipped_gradient_rows);
        print_times("parties", e.times);
      }
      print_times("total incl. preparation", secure.times);
      std::printf("authority issued %zu function keys (all logged)\n", oracle->keys_issued());
      secure_acc = secure.test_accuracy;
      json += ",\n  \"secure\": {\"prepare_s\": " + std::to_string(secure.prepare_seconds) +
              ", \"keys_issued\": " + std::to_string(oracle->keys_issued()) + ", \"epochs\": [";
      for (std::size_t i = 0; i < secure.epochs.size(); ++i) {
        const auto& e = secure.epochs[i];
        json += (i ? ", " : "") + std::string("{\"epoch\": ") + std::to_string(e.epoch) +
                ", \"test_accuracy\": " + std::to_string(e.test_accuracy) + ", \"seconds\": " +
                std::to_string(e.seconds) + ", \"times\": " + times_json(e.times) + "}";
      }
      json += "], \"total_times\": " + times_json(secure.times) + "}";
    }
    if (!no_baseline) {
      auto oracle = hnn::cryptonn::make_plaintext_oracle();
      baseline = hnn::cryptonn::train(train_set, test_set, cfg, *oracle, bar("baseline"));
      for (const auto& e : baseline.epochs)
        std::printf("baseline epoch %d: test_accuracy=%.4f loss=%.4f time=%.2fs\n", e.epoch,
                    e.test_accuracy, e.train_loss, e.seconds);
      baseline_acc = baseline.test_accuracy;
      json += ",\n  \"baseline\": {\"epochs\": [";
      for (std::size_t i = 0; i < baseline.epochs.size(); ++i)
        json += (i ? ", " : "") + std::string("{\"epoch\": ") + std::to_string(baseline.epochs[i].epoch) +
                ", \"test_accuracy\": " + std::to_string(baseline.epochs[i].test_accuracy) +
                ", \"seconds\": " + std::to_string(baseline.epochs[i].seconds) + "}";
      json += "]}";
    }
    if (!no_secure && !no_baseline) {
      const bool identical = secure.model.w1 == baseline.model.w1 && secure.model.w2 == baseline.model.w2;
      std::printf("secure and baseline weights identical: %s\n", identical ? "yes" : "NO");
      json += ",\n  \"weights_identical\": " + std::string(identical ? "true" : "false");
    }
    if (secure_acc >= 0) std::printf("secure_test_accuracy=%.4f\n", secure_acc);
    if (baseline_acc >= 0) std::printf("baseline_test_accuracy=%.4f\n", baseline_acc);
    json += "\n}\n";
    if (!json_path.empty()) std::ofstream(json_path) << json;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hnn-cryptonn: %s\n", e.what());
    return 1;
  }
  return 0;
}
