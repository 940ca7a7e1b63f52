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

}  // namespace hnn::cuda::poly
