// FEBO: CryptoNN's functional encryption for basic operations (Xu, Joshi, Li, ICDCS 2019,
// section IV-B). One value x per ciphertext; a function key is bound to one ciphertext through its
// commitment cmt = g^r, so it opens f(x, y) for that ciphertext only:
//   Setup:          s <- Z_q (msk), h = g^s (mpk)
//   Encrypt(x):     r <- Z_q;  cmt = g^r,  ct = h^r g^x
//   KeyDer(cmt, op, y):   +: cmt^s g^{-y}   -: cmt^s g^{y}   *: cmt^{s y}   /: cmt^{s y^{-1}}
//   Decrypt:        +: ct/sk = g^{x+y}   -: ct/sk = g^{x-y}   *: ct^y/sk = g^{xy}
//                   /: ct^{y^{-1}}/sk = g^{x y^{-1}}   (then a bounded discrete log)
// Division multiplies by the inverse of y modulo the group order q, so it yields the integer x/y
// only when y divides x; otherwise the result is a large residue and the discrete log rejects it.
#pragma once
#include <cstdint>
#include <string_view>

#include "hnn/fe/dlog.h"
#include "hnn/fe/group.h"

namespace hnn::fe {

enum class FeboOp : uint8_t { kAdd = 1, kSub = 2, kMul = 3, kDiv = 4 };
std::string_view to_string(FeboOp op);
bool is_valid_febo_op(uint8_t op);

template <PrimeOrderGroup G>
struct FeboMasterKey {
  typename G::Scalar s;
};

template <PrimeOrderGroup G>
struct FeboPublicKey {
  typename G::Element h;
};

template <PrimeOrderGroup G>
struct FeboCiphertext {
  typename G::Element cmt;  // g^r: the commitment function keys are bound to
  typename G::Element ct;   // h^r g^x
};

template <PrimeOrderGroup G>
class Febo {
 public:
  using Element = typename G::Element;
  using Scalar = typename G::Scalar;

  explicit Febo(G group);
  const G& group() const { return group_; }

  void setup(FeboMasterKey<G>& msk, FeboPublicKey<G>& mpk) const;
  // |x| < 2^input_bits (public bound; constant time in x below it).
  FeboCiphertext<G> encrypt(const FeboPublicKey<G>& mpk, int64_t x, int input_bits) const;
  Element derive_key(const FeboMasterKey<G>& msk, const Element& cmt, FeboOp op, int64_t y) const;
  Element decrypt_to_group(const FeboCiphertext<G>& ct, FeboOp op, int64_t y, const Element& sk) const;
  int64_t decrypt(const FeboCiphertext<G>& ct, FeboOp op, int64_t y, const Element& sk,
                  const BoundedDlog<G>& dlog) const;

 private:
  G group_;
  typename G::FixedBase g_table_;
};

}  // namespace hnn::fe
