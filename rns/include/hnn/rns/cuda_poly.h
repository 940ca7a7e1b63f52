// Element-wise RNS polynomial kernels on a CUDA device (plain C++ declarations).
//
// Words are limb-major (limb i at [i*N, (i+1)*N)), limb i reduced modulo moduli[i]; `moduli` is a
// device array of rns::Modulus (value + Barrett constants), one per limb. The arithmetic is the
// HNN_HD functions of hnn/rns/modarith.h, so each kernel gives exactly the CPU's words.
// Outputs may alias inputs. All calls are ordered on `stream`.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hnn/rns/cuda.h"
#include "hnn/rns/modarith.h"
#include "hnn/rns/rns_base.h"

namespace hnn::cuda::poly {

enum class Op : uint8_t { Add, Sub, Mul };

// out = a (op) b, word by word.
void binary(Op op, const uint64_t* a, const uint64_t* b, uint64_t* out, const rns::Modulus* moduli,
            std::size_t limbs, std::size_t n, const Stream& stream);
// out = a + b * c (mod q), the multiply-accumulate of decryption and key switching.
void mul_add(const uint64_t* a, const uint64_t* b, const uint64_t* c, uint64_t* out,
             const rns::Modulus* moduli, std::size_t limbs, std::size_t n, const Stream& stream);
// CKKS tensor product of (a0, a1) and (b0, b1): d0 = a0 b0, d1 = a0 b1 + a1 b0, d2 = a1 b1.
void tensor(const uint64_t* a0, const uint64_t* a1, const uint64_t* b0, const uint64_t* b1,
            uint64_t* d0, uint64_t* d1, uint64_t* d2, const rns::Modulus* moduli, std::size_t limbs,
            std::size_t n, const Stream& stream);

// out[limb][j] = in[limb][perm[j]]: an automorphism in the NTT domain (perm from
// ckks::Context::galois_permutation, on the device).
void permute(const uint64_t* in, const uint32_t* perm, uint64_t* out, std::size_t limbs, std::size_t n,
             const Stream& stream);

// The key-switching inner product over `digits` extended polynomials, both key halves at once:
// out0[i] = sum_j ext_j[i] * key_b_j[key_limb(i)], out1 likewise with key_a, reduced once (lazy
// 128-bit accumulation, as on the CPU). ext: digits x ext_limbs x n; keys: digits x key_limbs x n;
// key_limb(i) = i for i < limbs_q, else key_p_offset + (i - limbs_q).
void key_switch_inner_product(const uint64_t* ext, const uint64_t* key_b, const uint64_t* key_a,
                              uint64_t* out0, uint64_t* out1, const rns::Modulus* ext_moduli,
                              std::size_t digits, std::size_t ext_limbs, std::size_t limbs_q,
                              std::size_t key_limbs, std::size_t key_p_offset, std::size_t n,
                              const Stream& stream);

}  // namespace hnn::cuda::poly

namespace hnn::cuda {

// A device copy of an rns::BaseConverter: the same fast base conversion (convert) and its centered
// variant (convert_centered), word for word.
class DeviceBaseConverter {
 public:
  DeviceBaseConverter(const rns::BaseConverter& conv, const Stream& stream);
  void convert(const uint64_t* in, uint64_t* out, std::size_t n, const Stream& stream) const;
  void convert_centered(const uint64_t* in, uint64_t* out, std::size_t n, const Stream& stream) const;

 private:
  std::size_t k_ = 0, m_ = 0;
  DeviceBuffer from_, to_, qhat_inv_, qhat_inv_shoup_, ahat_mod_b_, a_mod_b_, inv_a_;
};

}  // namespace hnn::cuda
