#include "hnn/fe/febo.h"

#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"
#include "hnn/rns/error.h"

namespace hnn::fe {

std::string_view to_string(FeboOp op) {
  switch (op) {
    case FeboOp::kAdd: return "add";
    case FeboOp::kSub: return "sub";
    case FeboOp::kMul: return "mul";
    case FeboOp::kDiv: return "div";
  }
  return "invalid";
}

bool is_valid_febo_op(uint8_t op) { return op >= 1 && op <= 4; }

template <PrimeOrderGroup G>
Febo<G>::Febo(G group) : group_(std::move(group)) {
  g_table_ = group_.precompute(group_.generator());
}

template <PrimeOrderGroup G>
void Febo<G>::setup(FeboMasterKey<G>& msk, FeboPublicKey<G>& mpk) const {
  msk.s = group_.scalar_random();
  mpk.h = group_.pow_fixed(g_table_, msk.s);
}

template <PrimeOrderGroup G>
FeboCiphertext<G> Febo<G>::encrypt(const FeboPublicKey<G>& mpk, int64_t x, int input_bits) const {
  const Scalar r = group_.scalar_random();
  FeboCiphertext<G> c;
  c.cmt = group_.pow_fixed(g_table_, r);
  c.ct = group_.mul(group_.pow(mpk.h, r), group_.pow_fixed_small(g_table_, x, input_bits));
  return c;
}

template <PrimeOrderGroup G>
typename G::Element Febo<G>::derive_key(const FeboMasterKey<G>& msk, const Element& cmt, FeboOp op,
                                        int64_t y) const {
  switch (op) {
    case FeboOp::kAdd:
      return group_.div(group_.pow(cmt, msk.s), group_.pow_fixed(g_table_, group_.scalar_from_int(y)));
    case FeboOp::kSub:
      return group_.mul(group_.pow(cmt, msk.s), group_.pow_fixed(g_table_, group_.scalar_from_int(y)));
    case FeboOp::kMul:
      return group_.pow(cmt, group_.scalar_mul(msk.s, group_.scalar_from_int(y)));
    case FeboOp::kDiv:
      HNN_REQUIRE(y != 0, "Febo::derive_key: division by zero");
      return group_.pow(cmt, group_.scalar_mul(msk.s, group_.scalar_inv(group_.scalar_from_int(y))));
  }
  HNN_THROW(InvalidArgument, "Febo::derive_key: unknown operation ", static_cast<int>(op));
}

template <PrimeOrderGroup G>
typename G::Element Febo<G>::decrypt_to_group(const FeboCiphertext<G>& c, FeboOp op, int64_t y,
                                              const Element& sk) const {
  switch (op) {
    case FeboOp::kAdd:
    case FeboOp::kSub:
      return group_.div(c.ct, sk);
    case FeboOp::kMul:
      return group_.div(group_.pow(c.ct, group_.scalar_from_int(y)), sk);
    case FeboOp::kDiv:
      HNN_REQUIRE(y != 0, "Febo::decrypt: division by zero");
      return group_.div(group_.pow(c.ct, group_.scalar_inv(group_.scalar_from_int(y))), sk);
  }
  HNN_THROW(InvalidArgument, "Febo::decrypt: unknown operation ", static_cast<int>(op));
}

template <PrimeOrderGroup G>
int64_t Febo<G>::decrypt(const FeboCiphertext<G>& c, FeboOp op, int64_t y, const Element& sk,
                         const BoundedDlog<G>& dlog) const {
  return dlog.solve(decrypt_to_group(c, op, y, sk));
}

template class Febo<Ristretto255>;
template class Febo<ModpGroup>;

}  // namespace hnn::fe
