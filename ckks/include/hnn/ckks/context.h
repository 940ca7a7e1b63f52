// Context: the per-parameter-set precomputation, built once and shared (shared_ptr<const>).
//
// Limb indexing ("QP index"): 0..L are the Q primes q_0..q_L, L+1..L+k the special primes.
// A ciphertext at level l holds limbs 0..l. An extended polynomial during key switching holds
// limbs 0..l followed by the k special primes.
#pragma once
#include <complex>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "hnn/ckks/parameters.h"
#include "hnn/ntt/ntt.h"
#include "hnn/rns/rns_base.h"
#include "hnn/rns/rns_poly.h"

namespace hnn::ckks {

namespace gpu {
class DeviceContext;  // the CUDA backend's tables (internal)
}

class Context {
 public:
  static std::shared_ptr<const Context> create(const Parameters& params);
  ~Context();

  const Parameters& params() const { return params_; }
  std::size_t n() const { return params_.n(); }
  int max_level() const { return params_.max_level(); }
  std::size_t special_count() const { return params_.p().size(); }
  uint64_t digest() const { return params_.digest(); }

  const rns::Modulus& modulus(std::size_t qp_index) const { return moduli_[qp_index]; }
  const ntt::NttTables& ntt_tables(std::size_t qp_index) const { return ntt_[qp_index]; }
  std::size_t p_index(std::size_t j) const { return params_.q().size() + j; }

  // Base of Q_l = q_0..q_l.
  const rns::RnsBase& q_base(int level) const { return q_bases_[level]; }
  const rns::RnsBase& p_base() const { return p_base_; }

  // NTT plan for the first `limbs` Q limbs, or for an explicit list of QP indices.
  ntt::NttPlan plan_q(std::size_t limbs, ntt::Direction dir) const;
  ntt::NttPlan plan(const std::vector<std::size_t>& qp_indices, ntt::Direction dir) const;
  // Forward plan of size N / g for the given QP indices, with roots psi_i^g: polynomials in X^g
  // (sparse-slot plaintexts) transform through it and ntt::sparse_forward, g a power of two.
  ntt::NttPlan subring_plan(std::size_t g, const std::vector<std::size_t>& qp_indices) const;
  // QP indices of the extended basis at level l: 0..l then the special primes.
  std::vector<std::size_t> extended_indices(int level) const;

  // Rescale from level l: q_l^{-1} mod q_i (i < l) and its Shoup companion.
  uint64_t inv_q_last(int level, std::size_t i) const { return inv_q_last_[level][2 * i]; }
  uint64_t inv_q_last_shoup(int level, std::size_t i) const { return inv_q_last_[level][2 * i + 1]; }

  // Hybrid key switching (Han-Ki 2020). Digit j covers Q limbs [j*alpha, (j+1)*alpha).
  int digits_at_level(int level) const { return (level + params_.alpha()) / params_.alpha(); }
  struct ModUpStep {
    std::size_t begin, end;                   // the digit's limbs (clipped to the level)
    std::vector<std::size_t> target_limbs;    // positions in the extended poly it converts to:
                                              // [0, begin) then [end, l + 1 + k), in order
    rns::BaseConverter converter;             // digit base -> (Q_l \ digit) u P
    ntt::NttPlan forward_below, forward_above;  // forward NTTs of targets [0, begin), [end, l + 1 + k)
  };
  const ModUpStep& mod_up_step(int level, int digit) const { return mod_up_[level][digit]; }
  const rns::BaseConverter& mod_down_converter(int level) const { return mod_down_[level]; }
  uint64_t p_inv_mod_q(std::size_t i) const { return p_inv_mod_q_[i]; }
  uint64_t p_inv_mod_q_shoup(std::size_t i) const { return p_inv_mod_q_shoup_[i]; }
  uint64_t p_mod_q(std::size_t i) const { return p_mod_q_[i]; }
  uint64_t p_mod_q_shoup(std::size_t i) const { return p_mod_q_shoup_[i]; }
  // ModDown fused with the rescale from level l >= 1: base {p_1..p_k, q_l} -> Q_{l-1}, and
  // (P q_l)^{-1} mod q_i (i < l) with its Shoup companion.
  const rns::BaseConverter& mod_down_rescale_converter(int level) const { return mod_down_rescale_[level]; }
  uint64_t pq_last_inv(int level, std::size_t i) const { return pq_last_inv_[level][2 * i]; }
  uint64_t pq_last_inv_shoup(int level, std::size_t i) const { return pq_last_inv_[level][2 * i + 1]; }

  // psi_i^(N/2) mod q_i, a square root of -1: X^(N/2) in the NTT domain is it in slots k < N/2 and
  // its negative from N/2 on (constant polynomials a + b X^(N/2), poly_ops' constant_halves).
  uint64_t half_power_of_psi(std::size_t i) const { return half_power_of_psi_[i]; }

  // Encoding: rotation group 5^j mod 2N (j < N/2) and the 2N-th complex roots of unity.
  const std::vector<uint32_t>& rot_group() const { return rot_group_; }
  const std::vector<std::complex<double>>& ksi_pows() const { return ksi_pows_; }
  // The special FFT's twiddles in the order its butterflies read them: for the stage of blocks of
  // len (len / 2 butterflies, len <= N / 2), entry len / 2 + j is ksi_pows[(rot_j mod 4 len) 2N / 4 len]
  // (forward) and ksi_pows[(4 len - rot_j mod 4 len) 2N / 4 len] (inverse), copied from ksi_pows.
  const std::vector<std::complex<double>>& fft_twiddles() const { return fft_twiddles_; }
  const std::vector<std::complex<double>>& inverse_fft_twiddles() const { return inverse_fft_twiddles_; }

  // Galois elements: 5^step mod 2N for rotations (left by `step`, negative = right), 2N-1 for
  // conjugation. The NTT-domain permutation of an automorphism is cached on first use.
  uint32_t galois_element(int step) const;
  uint32_t conjugation_element() const { return static_cast<uint32_t>(2 * n() - 1); }
  const std::vector<uint32_t>& galois_permutation(uint32_t galois_elt) const;
  // The Galois element whose cached permutation is `perm` (a reference galois_permutation gave).
  uint32_t galois_element_of(const std::vector<uint32_t>& perm) const;

  // The CUDA backend's copy of these tables on `device` (a CUDA device or the emulated one),
  // built on first use. Throws hnn::cuda::CudaError where the device is unusable.
  const gpu::DeviceContext& device_context(rns::Device device) const;

 private:
  explicit Context(const Parameters& p);
  Parameters params_;
  std::vector<rns::Modulus> moduli_;
  std::vector<ntt::NttTables> ntt_;
  std::vector<rns::RnsBase> q_bases_;
  rns::RnsBase p_base_;
  std::vector<std::vector<uint64_t>> inv_q_last_;
  std::vector<std::vector<ModUpStep>> mod_up_;
  std::vector<rns::BaseConverter> mod_down_, mod_down_rescale_;  // the latter from level 1 (index 0 empty)
  std::vector<std::vector<uint64_t>> pq_last_inv_;
  std::vector<uint64_t> p_inv_mod_q_, p_inv_mod_q_shoup_, p_mod_q_, p_mod_q_shoup_;
  std::vector<uint64_t> half_power_of_psi_;
  std::vector<uint32_t> rot_group_;
  std::vector<std::complex<double>> ksi_pows_;
  std::vector<std::complex<double>> fft_twiddles_, inverse_fft_twiddles_;
  mutable std::mutex galois_mutex_;
  mutable std::map<uint32_t, std::vector<uint32_t>> galois_perms_;
  mutable std::mutex subring_mutex_;
  mutable std::map<std::size_t, std::vector<std::unique_ptr<ntt::NttTables>>> subring_ntt_;  // by g
  mutable std::mutex device_mutex_;
  mutable std::map<std::pair<int, int>, std::unique_ptr<gpu::DeviceContext>> devices_;  // by (kind, index)
};

using ContextPtr = std::shared_ptr<const Context>;

}  // namespace hnn::ckks
