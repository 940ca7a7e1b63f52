// Homomorphic evaluation of a Chebyshev series, slot-wise: baby-step giant-step in the Chebyshev
// basis (Han-Ki, CT-RSA 2020, Sec. 4; Bossuat et al., Eurocrypt 2021, Alg. 2). Bootstrapping's
// EvalMod and the network's activations both go through here.
//
// Scales are managed exactly: every intermediate sum is formed at one scale by multiplying each
// term by an integer constant chosen for it (Evaluator::multiply_const_inplace with an explicit
// constant scale), so no addition ever mixes scales that differ by a prime's ratio to 2^k.
#pragma once
#include "hnn/ckks/bootstrap/chebyshev.h"
#include "hnn/ckks/evaluator.h"

namespace hnn::ckks {

// Levels evaluate_chebyshev consumes for this series: ceil(log2(degree + 1)) + 1 for degree >= 2,
// one more when the interval is not [-1, 1] (the affine map to [-1, 1] costs a rescale).
int chebyshev_depth(const bootstrap::ChebyshevSeries& p);

// p(x) in every slot, for slot values in [p.a, p.b] (outside it the series diverges quickly).
// For an interval other than [-1, 1] the affine map puts u at the scale of the next prime, so x may
// have any scale; on [-1, 1] the powers inherit x's scale, which should then be near the primes'.
// The result is at level x.level() - chebyshev_depth(p) with scale exactly `target_scale`
// (0: x's scale). Needs a relinearization key; nonscalar multiplications: about
// 2 sqrt(degree) + log2(degree).
Ciphertext evaluate_chebyshev(const Evaluator& ev, const Ciphertext& x, const bootstrap::ChebyshevSeries& p,
                              const RelinKey& rk, double target_scale = 0);

}  // namespace hnn::ckks
