// The CUDA backend of the ckks/ detail operations (poly_ops.h, key_switch.h): the same signatures
// and the same words, on polynomials that live on a CUDA device (or the emulated one). The CPU
// functions forward here when their first operand is on a device, so the Evaluator, the
// polynomial evaluator and the bootstrapping stages run on the device their operands live on.
// Internal to ckks/.
#pragma once
#include <array>
#include <complex>
#include <span>
#include <cstdint>
#include <utility>
#include <vector>

#include "../key_switch.h"
#include "../poly_ops.h"
#include "device_context.h"

namespace hnn::ckks::detail::gpu {

using rns::RnsPoly;

const ckks::gpu::DeviceContext& device_of(const Context& ctx, const RnsPoly& a);

void add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b);
void sub_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b);
void negate_inplace(const Context& ctx, RnsPoly& a);
void mul_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b);
void mul(const Context& ctx, const RnsPoly& a, const RnsPoly& b, RnsPoly& out);
void mul_add_inplace(const Context& ctx, RnsPoly& a, const RnsPoly& b, const RnsPoly& c);
void scalar_halves_inplace(const Context& ctx, RnsPoly& a, ScalarOp op, const std::vector<uint64_t>& lo,
                           const std::vector<uint64_t>& hi);
void mul_scalar_add_inplace(const Context& ctx, RnsPoly& acc, const RnsPoly& a, const std::vector<uint64_t>& scalars);
void to_ntt(const Context& ctx, RnsPoly& a);
void to_coeff(const Context& ctx, RnsPoly& a);
void permute(const Context& ctx, const RnsPoly& a, const std::vector<uint32_t>& perm, RnsPoly& out);
// d0 = a0 b0, d1 = a0 b1 + a1 b0, d2 = a1 b1 (allocated here).
void tensor(const Context& ctx, const RnsPoly& a0, const RnsPoly& a1, const RnsPoly& b0, const RnsPoly& b1,
            RnsPoly& d0, RnsPoly& d1, RnsPoly& d2);
// Division by the last prime, exact rounding, in the NTT domain (Evaluator::rescale_inplace).
void rescale_inplace(const Context& ctx, RnsPoly& a);

Decomposition decompose(const Context& ctx, const RnsPoly& d);
void key_switch_extended(const Context& ctx, const Decomposition& dec, const SwitchingKey& key,
                         const std::vector<uint32_t>* perm, RnsPoly& acc0, RnsPoly& acc1);
void add_times_p(const Context& ctx, RnsPoly& ext, const RnsPoly& x, const std::vector<uint32_t>* perm);
void divide_by_special(const Context& ctx, const RnsPoly& ext, RnsPoly& out, bool rescale);

// The CKKS encoding of `values` (slots, a power of two <= N/2) at `scale` over the first `limbs` Q
// limbs, NTT domain, on `device`: Encoder::encode_limbs's words. Every |value| * scale must stay
// below 4e18 (the Encoder checks, and encodes on the host otherwise).
RnsPoly encode(const Context& ctx, std::span<const std::complex<double>> values, double scale, std::size_t limbs,
               rns::Device device);

// The double-hoisted linear transforms' steps (bootstrap/linear_transform.cpp), over Q_l u P with
// q_limbs = l + 1: (s0, s1) = sum of pt * baby over `terms`, and acc += sigma(x) (+ y).
void sum_of_products(const Context& ctx, std::size_t q_limbs,
                     const std::vector<std::pair<std::size_t, RnsPoly>>& terms,
                     const std::vector<std::array<RnsPoly, 2>>& babies, RnsPoly& s0, RnsPoly& s1);
void add_extended(const Context& ctx, std::size_t q_limbs, RnsPoly& acc, const RnsPoly& x,
                  const std::vector<uint32_t>* perm, const RnsPoly* y);

}  // namespace hnn::ckks::detail::gpu
