// CKKS bootstrapping (Cheon-Han-Kim-Kim-Song 2018; Han-Ki 2020; Bossuat et al. 2021/2022):
//
//   ModRaise     level 0 -> top level. The input is switched to a sparse secret s' (weight h,
//                sparse-secret encapsulation), its q_0 residue lifted to the whole chain, and switched
//                back to s: the result decrypts to m + q_0 I with |I_k| <= (h+1)/2 for every k.
//   CoeffToSlot  the inverse special DFT as `coeff_to_slot_levels` BSGS linear transforms: slots
//                receive the coefficients t = (m + q_0 I) / q_0, divided by K, real and imaginary
//                halves as two ciphertexts (bit-reversed order; sparse slots are first folded by a
//                trace, a sum of rotations). With sparse slots (2 slots <= N/2) both halves share
//                one ciphertext of 2 slots slots instead, so EvalMod runs once, not twice: the
//                last CoeffToSlot factor writes w into the first half and -i w into the second,
//                and the real part of that is (Re w, Im w); SlotToCoeff's first factor reads the
//                halves back as Re + i Im (its diagonals doubled: offsets d and d + slots).
//   EvalMod      t - I: a Chebyshev interpolant of the scaled cosine cos(2 pi (K u - 1/4) / 2^r),
//                r double angles (cos 2a = 2 cos^2 a - 1) give y = sin(2 pi t), and the arcsine's
//                Taylor polynomial y (1 + y^2/6 + 3 y^4/40) / (2 pi) undoes the sine's curvature.
//   SlotToCoeff  the special DFT, again BSGS factors, back to a message at the default scale.
//
// Failure probability of EvalMod's range: zero. With encapsulation, I_k = (c_0 + c_1 s')_k / q_0
// rounded is a sum of h + 1 terms each in [-1/2, 1/2] (coefficients of c_0, c_1 are centered mod q_0
// and s' has exactly h entries +-1), so |I_k| <= (h+1)/2 = 16.5 for h = 32; the message adds
// |m_k| / q_0 <= 2^-log_message_ratio * (|x|max); K = (h+1)/2 + 1/2 covers both for |x| <= 1.
// Without encapsulation (a dense secret of weight ~2N/3) no small K exists: the bound would be ~N/3.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "hnn/ckks/bootstrap/chebyshev.h"
#include "hnn/ckks/bootstrap/linear_transform.h"
#include "hnn/ckks/encoder.h"
#include "hnn/ckks/evaluator.h"
#include "hnn/ckks/keygen.h"
#include "hnn/ckks/parameters.h"
#include "hnn/rns/cuda_poly.h"

namespace hnn::ckks::bootstrap {

struct BootstrapConfig {
  std::size_t slots = 0;                // message slots: 0 = N/2 (full); else a power of two < N/2
  bool real_slots = false;              // messages are real: the output is projected onto the real
                                        // part ((x + conj x) / 2, one conjugation at the output
                                        // level), which removes the imaginary half of the error
  int coeff_to_slot_levels = 3;         // level budget of CoeffToSlot
  int slot_to_coeff_levels = 3;         // level budget of SlotToCoeff
  int eval_mod_degree = 63;             // Chebyshev degree of the scaled cosine
  int double_angles = 2;                // r
  int arcsine_degree = 5;               // Taylor degree of arcsin applied to EvalMod's output y:
                                        // 0 (none), 3 (y + y^3/6, 2 levels) or 5 (+ 3 y^5/40,
                                        // 3 levels); the sine's relative error (2 pi e)^2/6
                                        // becomes 3 (2 pi e)^4/40 or 5 (2 pi e)^6/112
  int log_message_ratio = 6;            // log2(q_0 / scale) at ModRaise: the input is multiplied by
                                        // 2^k to reach it; messages must satisfy |x| <= 1
  int sparse_hamming_weight = 32;       // h of the encapsulation secret
  int encapsulation_special_primes = 2; // special primes kept in the encapsulation key's modulus
  bool pack_sparse_halves = true;       // sparse slots: real and imaginary halves in one ciphertext
                                        // (one EvalMod instead of two; see above)
};

struct BootstrapKeys {
  RelinKey relin;
  GaloisKeys galois;  // exactly the rotations and the conjugation the plan needs
  EncapsulationKeys encapsulation;
  std::size_t key_count() const { return 1 + galois.keys().size() + 2; }
  std::size_t size_bytes() const {
    return relin.key().size_bytes() + galois.size_bytes() + encapsulation.size_bytes();
  }
};

// One key of a BootstrapKeys as it is made or received: the relinearization key, the key of one
// Galois element (a GaloisKeys holding that one key), or the encapsulation keys. A sender that
// makes, sends and drops one part at a time holds one key at a time, not all of them.
using KeyPart = std::variant<RelinKey, GaloisKeys, EncapsulationKeys>;
using KeyPartSink = std::function<void(KeyPart&&)>;

// Adds `part` to `keys`. Throws InvalidArgument, naming the part, for a part of another parameter
// set, a GaloisKeys that does not hold exactly one key, or a key `keys` already holds (a second
// relinearization or encapsulation key, a Galois element twice).
void add_key_part(BootstrapKeys& keys, KeyPart&& part);

// The keys on a CUDA device (or the emulated one), for a Bootstrapper moved there (move_to).
BootstrapKeys to_device(const BootstrapKeys& keys, rns::Device device);
EncapsulationKeys to_device(const EncapsulationKeys& keys, rns::Device device);
KeyPart to_device(const KeyPart& part, rns::Device device);

// Wall time of each stage. On a CUDA device, asking for them makes the bootstrap wait for the
// device at every stage boundary (a plain bootstrap never waits).
struct BootstrapTimings {
  double mod_raise_s = 0, coeff_to_slot_s = 0, eval_mod_s = 0, slot_to_coeff_s = 0;
};

// What a Bootstrapper precomputes: everything (it bootstraps), or its plan alone (KeysOnly: the
// rotation steps, Galois elements, key counts and sizes, create_keys; no DFT plaintexts, which at
// logN 16 are gigabytes and seconds to encode). A client that only makes the keys needs no more;
// a KeysOnly bootstrapper's bootstrap(), coeff_to_slot and slot_to_coeff throw InvalidArgument.
enum class Precompute { Plaintexts, KeysOnly };

class Bootstrapper {
 public:
  // Precomputes EvalMod's series and the DFT factors' plaintexts (at their levels and scales).
  Bootstrapper(ContextPtr ctx, const BootstrapConfig& config, Precompute precompute = Precompute::Plaintexts);

  const BootstrapConfig& config() const { return config_; }
  const ContextPtr& context() const { return ctx_; }
  std::size_t slots() const { return slots_; }
  double k_bound() const { return k_; }
  const ChebyshevSeries& eval_mod_series() const { return series_; }
  // Levels: the output is at output_level() = max_level - depth().
  int depth() const { return depth_; }
  int output_level() const { return ctx_->max_level() - depth_; }
  int eval_mod_depth() const;
  std::vector<int> rotation_steps() const;
  // The distinct Galois elements of create_keys' keys: the rotation steps' and the conjugation.
  std::set<uint32_t> galois_elements() const;
  // Each of those elements with the highest level bootstrapping switches its key at: the top level
  // for the trace and CoeffToSlot, SlotToCoeff's levels for its own steps, CoeffToSlot's output
  // level for the conjugation. create_keys restricts each key to its level
  // (SwitchingKey::max_level), which at logN 16 makes a SlotToCoeff-only key about a quarter of
  // a full one; the words it switches to are the full key's. Every level is above output_level()
  // (SlotToCoeff's last factor switches at output_level() + 1), so work between bootstraps may
  // rotate with any of these keys; above that, a key serves only what bootstrapping does.
  using KeyLevels = std::map<uint32_t, int>;
  KeyLevels galois_key_levels() const;
  // The scale slot_to_coeff's factors were encoded for (its output then has the default scale).
  double slot_to_coeff_input_scale() const { return stc_input_scale_; }
  // The DFT plaintexts' bytes where they are (on the CPU in their subring form: slots < N/2
  // polynomials repeat each NTT value), and what they occupy once moved to a CUDA device.
  std::size_t precomputed_bytes() const;
  std::size_t device_precomputed_bytes() const;
  std::size_t plaintext_count() const;

  BootstrapKeys create_keys(KeyGenerator& keygen) const;
  // The same keys, from the same randomness in the same order, handed to `sink` one part at a
  // time as each is made: the relinearization key, one part per Galois element (the rotation
  // steps', then the conjugation), the encapsulation keys. key_count() - 1 parts (the
  // encapsulation part holds two keys). `levels`: the Galois keys' levels, galois_key_levels()
  // or higher ones for a caller that also rotates by those elements elsewhere (InvalidArgument
  // for a missing or an extra element, or a level below bootstrapping's or above the chain).
  void create_keys(KeyGenerator& keygen, const KeyPartSink& sink) const;
  void create_keys(KeyGenerator& keygen, const KeyPartSink& sink, const KeyLevels& levels) const;
  // What create_keys' keys will occupy, without making them (their key_count() and size_bytes()).
  std::size_t key_count() const;
  std::size_t key_bytes() const;
  std::size_t key_bytes(const KeyLevels& levels) const;
  // Of which the encapsulation keys (the largest part create_keys hands over: a full key and the
  // small s -> s' key).
  std::size_t encapsulation_key_bytes() const;

  // Moves the precomputed plaintexts (CoeffToSlot and SlotToCoeff factors) to `device`, a CUDA
  // device or the emulated one (or back to the CPU): bootstrapping then runs there, on
  // ciphertexts and keys (to_device) that live there, and gives the CPU's words.
  void move_to(rns::Device device);
  rns::Device device() const { return device_; }

  // ---- the stages, callable one by one -------------------------------------------------------
  // Level 0 (lower levels are dropped) -> max level; the result has scale q_0, so its slots decode
  // the polynomial t = (m + q_0 I) / q_0.
  Ciphertext mod_raise(const Ciphertext& ct, const BootstrapKeys& keys) const;
  // Whether CoeffToSlot packs both halves into one ciphertext (sparse slots, pack_sparse_halves).
  bool packed() const { return packed_; }
  // The real and imaginary halves of t's coefficient vector divided by K, in bit-reversed slot
  // order, w_k = t_{k g} + i t_{N/2 + k g}, g = N/(2 slots): two ciphertexts {Re, Im}, slot j
  // holding Re(w_{rev(j)}) / K and Im(w_{rev(j)}) / K; or, when packed(), one ciphertext of
  // 2 slots slots, slot j holding the first and slot slots + j the second.
  std::vector<Ciphertext> coeff_to_slot(const Ciphertext& raised, const BootstrapKeys& keys) const;
  // Slot-wise arcsin(y) / (2 pi) (its Taylor polynomial), y = sin(2 pi K u), for real slot values u
  // in [-1, 1]: K u - round(K u) when K u is near an integer.
  Ciphertext eval_mod(const Ciphertext& u, const BootstrapKeys& keys) const;
  // re + i im, then the special DFT: slot values (bit-reversed order in) back to message slots.
  // `halves` is laid out as coeff_to_slot's output: {re, im}, or one packed ciphertext.
  Ciphertext slot_to_coeff(const std::vector<Ciphertext>& halves, const BootstrapKeys& keys) const;

  // All four: a ciphertext at any level with |slot values| <= 1 -> the same message at
  // output_level() with output_scale_factor() x the default scale when the input had the default
  // scale. The factor is 2 with real_slots: the projection's halving is a relabelling of the
  // scale, which halves the conjugation's key-switching noise too.
  double output_scale_factor() const { return config_.real_slots ? 2.0 : 1.0; }

  Ciphertext bootstrap(const Ciphertext& ct, const BootstrapKeys& keys, BootstrapTimings* timings = nullptr) const;

  // Two real messages in one bootstrap (real_slots only): a + i b is bootstrapped as a complex
  // message, and one conjugation splits the result into (x + conj x) / 2 and (x - conj x) / 2i,
  // both at output_level() with output_scale_factor() x the default scale (the halvings are
  // relabellings). a and b need equal levels and scales and |a + i b| <= 1 slot-wise; each output
  // keeps the other's share of the bootstrap error in its own part, so the precision is that of
  // a complex bootstrap, as with `bootstrap` on a real message.
  std::pair<Ciphertext, Ciphertext> bootstrap_pair(const Ciphertext& a, const Ciphertext& b, const BootstrapKeys& keys,
                                                   BootstrapTimings* timings = nullptr) const;

 private:
  // ModRaise to SlotToCoeff, without the real projection.
  Ciphertext refresh(const Ciphertext& ct, const BootstrapKeys& keys, BootstrapTimings* timings) const;
  int prescale_bits(double input_scale) const;
  Ciphertext arcsine(const Ciphertext& y, const BootstrapKeys& keys) const;
  ContextPtr ctx_;
  BootstrapConfig config_;
  std::size_t slots_ = 0;
  bool packed_ = false;
  double k_ = 0;
  int depth_ = 0;
  ChebyshevSeries series_;
  Encoder encoder_;
  Evaluator evaluator_;
  std::vector<LinearTransform> cts_, stc_;
  std::vector<double> cts_scales_, stc_scales_;  // the scale after each factor's rescale
  double stc_input_scale_ = 0;                   // SlotToCoeff's input scale for the default scale
  rns::BaseConverter lift_;                      // q_0 -> q_1..q_L, ModRaise's centered lift
  rns::Device device_ = rns::Device::cpu();
  std::shared_ptr<const cuda::DeviceBaseConverter> device_lift_;  // lift_ on device_ (when a CUDA one)
};

namespace presets {
struct BootstrapPreset {
  ParametersLiteral params;
  BootstrapConfig config;
};
// logN = 16, 128-bit (log2 QP = 1749 <= 1772): q_0 60 bits, 9 user levels of 40 bits, SlotToCoeff
// 3 x 45, EvalMod 12 x 60, CoeffToSlot 3 x 58, 5 x 60-bit special primes (28 Q limbs, dnum 6).
BootstrapPreset n16_bootstrap(std::size_t slots = 0);
// logN = 12, the same structure with `user_levels` user levels (2 by default; 9 mirrors the n16
// preset for the network's tests): insecure (log QP far above the bound), for fast tests.
BootstrapPreset insecure_n12_bootstrap(std::size_t slots = 0, int user_levels = 2);
}  // namespace presets

}  // namespace hnn::ckks::bootstrap
