// hnn-example: encrypt a vector, evaluate a polynomial and a rotate-and-sum, decrypt, and print
// precision and timings. Usage: hnn-example [--preset n12|n14|n15|n16] [--slots S]
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hnn/ckks/ckks.h"

using namespace hnn::ckks;
using Clock = std::chrono::steady_clock;

namespace {
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Precision {
  double mean_bits, min_bits;
};
Precision precision(const std::vector<std::complex<double>>& got, const std::vector<std::complex<double>>& want) {
  double sum = 0, worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double e = std::max(std::abs(got[i] - want[i]), 1e-300);
    sum += -std::log2(e);
    worst = std::max(worst, e);
  }
  return {sum / got.size(), -std::log2(worst)};
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "hnn-example: %s\nusage: hnn-example [--preset n12|n14|n15|n16] [--slots S]\n", why);
  std::exit(2);
}
}  // namespace

int main(int argc, char** argv) {
  std::string preset = "n14";
  std::size_t slots = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--preset") && i + 1 < argc) preset = argv[++i];
    else if (!std::strcmp(argv[i], "--slots") && i + 1 < argc) slots = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) usage("help");
    else usage((std::string("unknown argument ") + argv[i]).c_str());
  }
  ParametersLiteral lit;
  if (preset == "n12") lit = presets::test_insecure_n12();
  else if (preset == "n14") lit = presets::n14_l7();
  else if (preset == "n15") lit = presets::seal_like_n15();
  else if (preset == "n16") lit = presets::n16_l24_dnum3();
  else usage("unknown preset");

  try {
    auto t = Clock::now();
    const Parameters params = Parameters::create(lit);
    auto ctx = Context::create(params);
    std::printf("parameters: %s  (context %.0f ms)\n", params.describe().c_str(), ms_since(t));
    if (slots == 0) slots = params.max_slots();

    t = Clock::now();
    KeyGenerator keygen(ctx);
    PublicKey pk = keygen.create_public_key();
    RelinKey rk = keygen.create_relin_key();
    std::vector<int> steps;
    for (std::size_t s = 1; s < slots; s <<= 1) steps.push_back(static_cast<int>(s));
    GaloisKeys gk = keygen.create_galois_keys(steps);
    std::printf("keys: %.0f ms (relin %.1f MiB, %zu Galois keys %.1f MiB)\n", ms_since(t),
                rk.key().size_bytes() / 1048576.0, gk.keys().size(), gk.size_bytes() / 1048576.0);

    Encoder encoder(ctx);
    Encryptor encryptor(ctx, pk);
    Decryptor decryptor(ctx, keygen.secret_key());
    Evaluator eval(ctx);

    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    std::vector<std::complex<double>> x(slots);
    for (auto& v : x) v = {dist(rng), 0.0};

    t = Clock::now();
    Ciphertext ct = encryptor.encrypt(encoder.encode(x));
    std::printf("encode+encrypt %zu slots: %.1f ms\n", slots, ms_since(t));

    // p(x) = 0.5 x^3 - 1.5 x^2 + 0.25 x + 1, evaluated as ((0.5 x - 1.5) x + 0.25) x + 1 (Horner).
    t = Clock::now();
    Ciphertext acc = ct.clone();
    eval.multiply_const_inplace(acc, 0.5);
    eval.rescale_inplace(acc);
    eval.add_const_inplace(acc, -1.5);
    for (double c : {0.25, 1.0}) {
      Ciphertext xs = ct.clone();
      eval.drop_to_level_inplace(xs, acc.level());
      acc = eval.multiply(acc, xs, rk);
      eval.rescale_inplace(acc);
      eval.add_const_inplace(acc, c);
    }
    const double poly_ms = ms_since(t);
    std::vector<std::complex<double>> want_poly(slots);
    for (std::size_t i = 0; i < slots; ++i) {
      const double v = x[i].real();
      want_poly[i] = 0.5 * v * v * v - 1.5 * v * v + 0.25 * v + 1.0;
    }
    const auto p1 = precision(encoder.decode(decryptor.decrypt(acc)), want_poly);
    std::printf("polynomial 0.5x^3-1.5x^2+0.25x+1 (depth 3): %.1f ms, level %d -> %d, precision mean %.1f bits, min %.1f bits\n",
                poly_ms, ct.level(), acc.level(), p1.mean_bits, p1.min_bits);

    // Rotate-and-sum: log2(slots) rotations leave the total in every slot.
    t = Clock::now();
    Ciphertext sum = ct.clone();
    for (int s : steps) eval.add_inplace(sum, eval.rotate(sum, s, gk));
    const double rot_ms = ms_since(t);
    std::complex<double> total = 0;
    for (auto& v : x) total += v;
    std::vector<std::complex<double>> want_sum(slots, total);
    const auto p2 = precision(encoder.decode(decryptor.decrypt(sum)), want_sum);
    std::printf("rotate-and-sum (%zu rotations): %.1f ms, sum %.6f, precision mean %.1f bits, min %.1f bits\n",
                steps.size(), rot_ms, total.real(), p2.mean_bits, p2.min_bits);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hnn-example: %s\n", e.what());
    return 1;
  }
  return 0;
}
