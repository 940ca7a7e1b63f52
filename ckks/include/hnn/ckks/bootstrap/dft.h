// The homomorphic DFTs of bootstrapping: the special FFT of the encoder (HEAAN's canonical
// embedding, Encoder::special_fft) factored into its log2(slots) radix-2 stages, each a matrix with
// three diagonals, and grouped into `levels` factors (the level budget; Han-Ki 2020, Sec. 3;
// Bossuat et al. 2021, Sec. 5). The bit reversal is left out of both directions: CoeffToSlot leaves
// the coefficients in bit-reversed slot order, EvalMod is slot-wise, and SlotToCoeff reads them in
// that order.
//
// Twiddles and products are computed in 113-bit floating point (Boost.Multiprecision float128,
// twiddles from 256-bit cos/sin) and rounded to double once.
#pragma once
#include <complex>
#include <vector>

#include "hnn/ckks/bootstrap/linear_transform.h"
#include "hnn/ckks/context.h"

namespace hnn::ckks::bootstrap {

// Factors F_1..F_levels, in the order they are applied, with F_levels ... F_1 =
// factor * (special_inverse_fft without its final bit reversal) on `slots` slots.
std::vector<Diagonals> coeff_to_slot_factors(const Context& ctx, std::size_t slots, int levels, double factor);

// Factors in application order with product = factor * (special_fft without its initial bit
// reversal).
std::vector<Diagonals> slot_to_coeff_factors(const Context& ctx, std::size_t slots, int levels, double factor);

}  // namespace hnn::ckks::bootstrap
