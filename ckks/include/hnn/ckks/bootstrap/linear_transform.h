// Plaintext matrix x encrypted vector in the diagonal form (Halevi-Shoup 2014) with baby-step
// giant-step and hoisted baby steps (Halevi-Shoup 2018; Bossuat et al. 2021, Alg. 4):
//   y = sum_j rot_{g j}( sum_i rot_{-g j}(diag_{g j + i}) * rot_i(x) ),
// the baby-step rotations rot_i(x) sharing one key-switching decomposition, and double hoisting
// (Bossuat et al. 2021, Sec. 3.3): the sums over i are taken in the key-switching basis Q u P, so
// each baby step and each giant step saves its ModDown.
#pragma once
#include <complex>
#include <map>
#include <vector>

#include "hnn/ckks/encoder.h"
#include "hnn/ckks/evaluator.h"

namespace hnn::ckks::bootstrap {

// offset d (in slots, any integer; taken mod the slot count) -> diagonal d of the matrix, i.e.
// y_k = sum_d diag_d[k] * x_{(k + d) mod slots}.
using Diagonals = std::map<int, std::vector<std::complex<double>>>;

class LinearTransform {
 public:
  // Encodes the (pre-rotated) diagonals at `level` with scale `scale`. `slots` is the vector
  // length (a power of two <= N/2; sparse vectors repeat, and rotations act modulo `slots`).
  // baby_steps = 0 picks the count that minimises the rotations. plan_only: the baby and giant
  // steps (rotation_steps, plaintext_count) without encoding a plaintext; such a transform holds
  // no words and apply() refuses it (a client planning its keys needs no more).
  LinearTransform(const Encoder& encoder, const Diagonals& diagonals, std::size_t slots, int level,
                  double scale, int baby_steps = 0, bool plan_only = false);

  // Every rotation step apply() uses (needs a Galois key each).
  std::vector<int> rotation_steps() const;
  int level() const { return level_; }
  double scale() const { return scale_; }
  std::size_t slots() const { return slots_; }
  std::size_t plaintext_count() const;
  // The plaintexts' bytes where they are (the subring form on the CPU), and once on a CUDA
  // device (full polynomials there).
  std::size_t size_bytes() const;
  std::size_t device_size_bytes() const { return size_bytes() * repeat_; }
  bool plan_only() const { return plan_only_; }
  // Moves the precomputed plaintexts to `device` (a CUDA device, the emulated one, or back to the
  // CPU); apply() then takes ciphertexts on that device only.
  void move_to(rns::Device device, const Context& ctx);
  rns::Device device() const { return device_; }

  // M x for x at level >= level() (dropped to it). The result has scale x.scale() * scale() and
  // is not rescaled.
  Ciphertext apply(const Evaluator& ev, const Ciphertext& x, const GaloisKeys& gk) const;
  // apply() then a rescale, fused into the final ModDown (which divides by P q_level at once):
  // the result is at level() - 1 with scale x.scale() * scale() / q_level().
  Ciphertext apply_rescaled(const Evaluator& ev, const Ciphertext& x, const GaloisKeys& gk) const;

 private:
  Ciphertext apply(const Evaluator& ev, const Ciphertext& x, const GaloisKeys& gk, bool rescale) const;
  struct Giant {
    int step = 0;
    // (index into baby_, plaintext polynomial over Q_level u P): products are taken before ModDown.
    // On the CPU a plaintext of slots < N/2 is kept in its subring form, N / repeat_ words per
    // limb (each NTT value of the polynomial repeats repeat_ times); on a CUDA device in full.
    std::vector<std::pair<std::size_t, rns::RnsPoly>> terms;
  };
  std::size_t slots_ = 0;
  std::size_t repeat_ = 1;  // N / (2 slots) on the CPU, 1 on a device
  int level_ = 0;
  double scale_ = 0;
  std::vector<int> baby_;
  std::vector<Giant> giants_;
  rns::Device device_ = rns::Device::cpu();
  bool plan_only_ = false;
};

}  // namespace hnn::ckks::bootstrap
