// The pieces the encrypted programs share (hnn-distilbert, hnn-server, hnn-client): parameter
// sets, the server's bootstrapper, calibration sentences and the client's keys.
#pragma once
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hnn/ckks/bootstrap/bootstrapper.h"
#include "hnn/ckks/keygen.h"
#include "hnn/distilbert/encrypted.h"
#include "hnn/distilbert/he_model.h"
#include "hnn/distilbert/tokenizer.h"
#include "hnn/nn/he/ckks_backend.h"

namespace hnn::distilbert {

enum class ParameterSet {
  N16,          // logN = 16, 128-bit (presets::n16_bootstrap)
  InsecureN12,  // logN = 12, 9 levels between bootstraps: tests and quick looks only
};
// "n16" or "insecure-n12"; throws InvalidArgument naming the choices otherwise.
ParameterSet parse_parameter_set(std::string_view name);
std::string_view name_of(ParameterSet set);

// Where the server evaluates: "auto" (GPU 0 when usable, else the CPU), "cpu", "cuda", "cuda:N" or
// "cuda-emulated" (the CUDA backend's code on the host: slow, for tests); throws InvalidArgument
// naming the choices, or saying why a named device is unusable here.
rns::Device parse_device(std::string_view name);
// "CPU", "CUDA backend on NVIDIA H100 ... (sm_90)", ...: for the progress lines.
std::string describe(rns::Device device);

// The bootstrapping preset for `slots` sparse real slots.
ckks::bootstrap::presets::BootstrapPreset encrypted_preset(ParameterSet set, std::size_t slots);

// The first `count` sentences of an SST-2 TSV (public data: calibration never sees the client's).
std::vector<std::string> calibration_sentences(const std::filesystem::path& tsv, std::size_t count);

// Client side: a fresh secret (OS entropy), the public key, and the evaluation keys the server
// needs: bootstrapping's, plus one Galois key per layer rotation step, restricted to the levels
// the layers use (<= max_level).
struct ClientKeys {
  std::unique_ptr<ckks::KeyGenerator> keygen;
  ckks::PublicKey public_key;
  nn::he::EvaluationKeys evaluation;
};
ClientKeys make_client_keys(const ckks::ContextPtr& ctx, const ckks::bootstrap::Bootstrapper& boot,
                            const std::set<int>& rotation_steps, int max_level);
// make_client_keys' evaluation keys, made one part at a time (ckks::bootstrap::KeyPart) and
// handed to `sink` as each is made, so that a client sending them on holds one key at a time:
// bootstrapping's (Bootstrapper::create_keys, each Galois key reaching the level bootstrapping
// switches it at, or max_level where a layer rotates by it too), then one Galois part per layer
// element that bootstrapping has no key for, restricted to levels <= max_level.
void make_evaluation_keys(ckks::KeyGenerator& keygen, const ckks::bootstrap::Bootstrapper& boot,
                          const std::set<int>& rotation_steps, int max_level, const ckks::bootstrap::KeyPartSink& sink);
// Throws InvalidArgument, naming what is missing or unfit, unless `keys` are what
// make_client_keys makes for this plan: the relinearization key, bootstrapping's Galois elements
// with keys reaching the levels it switches them at (Bootstrapper::galois_key_levels), every
// layer element with a key reaching max_level, and encapsulation keys of the
// bootstrapper's Hamming weight and special primes. Keys beyond those are not refused.
void require_evaluation_keys(const nn::he::EvaluationKeys& keys, const ckks::bootstrap::Bootstrapper& boot,
                             const std::set<int>& rotation_steps, int max_level);
// The count and bytes of make_client_keys' evaluation keys, without making them (memory plans:
// `hnn-distilbert --plan`): its evaluation.key_count() and evaluation.size_bytes(); `parts` is how
// many parts make_evaluation_keys hands over (keys - 1: the encapsulation part holds two), and
// `largest_part` the bytes of the largest one.
struct KeyFootprint {
  std::size_t keys = 0;
  std::size_t bytes = 0;
  std::size_t parts = 0;
  std::size_t largest_part = 0;
};
KeyFootprint client_key_footprint(const ckks::Context& ctx, const ckks::bootstrap::Bootstrapper& boot,
                                  const std::set<int>& rotation_steps, int max_level);

// Host memory as Linux's /proc/meminfo gives it (MemAvailable, SwapFree); known = false where the
// text has no MemAvailable line (another OS, an old kernel): then nothing is checked.
struct HostMemory {
  bool known = false;
  std::size_t available = 0;  // bytes the kernel can hand out without swapping
  std::size_t swap_free = 0;
};
HostMemory parse_meminfo(std::string_view text);
// Inside a cgroup v2 memory limit (a container), /proc/meminfo still gives the machine's memory:
// available becomes at most memory.max - memory.current (the files' texts; "max" is no limit).
HostMemory limit_to_cgroup(HostMemory memory, std::string_view max, std::string_view current);
HostMemory host_memory();  // this machine's (this cgroup's), read now
// Before minutes of key generation end in the OOM killer: throws std::runtime_error naming both
// figures when `bytes` exceed what the host can still hand out (available + free swap); prints one
// warning line when they exceed `available` alone (the run would swap).
void require_host_memory(std::size_t bytes, std::string_view what, const HostMemory& memory);

// The HE-friendly model and its tokenizer, checked against each other; `slots` = model_slots.
struct LoadedModel {
  HeFriendlyClassifier model;
  BertTokenizer tokenizer;
  std::size_t slots = 0;
};
// vocab empty: MODEL/vocab.txt when it exists, else data_dir/vocab.txt. widen > 1: the model made
// that many times wider with the same function (distilbert::widen; for timing at larger shapes).
LoadedModel load_model(const std::filesystem::path& model_dir, std::filesystem::path vocab,
                       const std::filesystem::path& data_dir, int widen = 1);

// A sentence tokenized for the encrypted model: its layout (from the whole token count, so an
// over-long sentence is refused rather than cut) and its encoding.
struct PreparedSentence {
  Encoding encoding;
  std::size_t tokens = 0;  // [CLS] and [SEP] included
  nn::he::Layout layout;
};
// Throws InvalidArgument on a sentence without tokens or longer than the model accepts. The layout
// holds at least `min_tokens` tokens (padded, masked out: timing at a fixed sequence length).
PreparedSentence prepare_sentence(const LoadedModel& m, const std::string& sentence, std::size_t min_tokens = 0);

// Noise flooding: a sample of N(0, sigma^2) from the OS-seeded ChaCha20 CSPRNG (Box-Muller).
double flooding_noise(double sigma);

// The client's last step: `raw` (the decrypted slot 0) plus flooding noise of `flood_sigma`,
// printed with the plaintext twin's score and the encrypted error, then "label=... score=..." as
// the last line. Returns the flooded score.
double report_score(const LoadedModel& m, const Encoding& encoding, double raw, double flood_sigma);

// "[server] <stage> <seconds> <bootstraps>", flushed: the progress line of all three programs.
void print_stage(const StageReport& r);

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
inline double mib(std::size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace hnn::distilbert
