#include "hnn/fe/feip.h"

#include <sodium.h>

#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"
#include "hnn/rns/error.h"

namespace hnn::fe {
namespace {

inline void wipe(std::array<uint8_t, 32>& s) { sodium_memzero(s.data(), s.size()); }
inline void wipe(mpz_class& s) {
  // Best effort: overwrite the limbs GMP holds before it frees them.
  const std::size_t n = mpz_size(s.get_mpz_t());
  if (n) sodium_memzero(mpz_limbs_modify(s.get_mpz_t(), static_cast<mp_size_t>(n)), n * sizeof(mp_limb_t));
  s = 0;
}

}  // namespace

template <PrimeOrderGroup G>
FeipMasterKey<G>::~FeipMasterKey() {
  for (auto& v : s) wipe(v);
}

template <PrimeOrderGroup G>
void Feip<G>::setup(std::size_t dim, FeipMasterKey<G>& msk, FeipPublicKey<G>& mpk) const {
  HNN_REQUIRE(dim >= 1, "Feip::setup: dimension must be at least 1");
  const auto g_table = group_.precompute(group_.generator());
  msk.s.resize(dim);
  mpk.h.resize(dim);
  for (std::size_t i = 0; i < dim; ++i) {
    msk.s[i] = group_.scalar_random();
    mpk.h[i] = group_.pow_fixed(g_table, msk.s[i]);
  }
}

template <PrimeOrderGroup G>
typename G::Scalar Feip<G>::derive_key(const FeipMasterKey<G>& msk, std::span<const int64_t> y) const {
  HNN_REQUIRE(y.size() == msk.s.size(), "Feip::derive_key: y has ", y.size(),
              " entries but the master key has dimension ", msk.s.size());
  Scalar sk = group_.scalar_from_int(0);
  for (std::size_t i = 0; i < y.size(); ++i)
    if (y[i] != 0) sk = group_.scalar_add(sk, group_.scalar_mul(group_.scalar_from_int(y[i]), msk.s[i]));
  return sk;
}

template <PrimeOrderGroup G>
typename G::Element Feip<G>::decrypt_to_group(const FeipCiphertext<G>& ct, std::span<const int64_t> y,
                                              const Scalar& sk) const {
  HNN_REQUIRE(y.size() == ct.dim(), "Feip::decrypt: key for dimension ", y.size(),
              " but ciphertext of dimension ", ct.dim());
  const Element num = group_.multi_pow_small(ct.ct, y);
  return group_.div(num, group_.pow(ct.ct0, sk));
}

template <PrimeOrderGroup G>
int64_t Feip<G>::decrypt(const FeipCiphertext<G>& ct, std::span<const int64_t> y, const Scalar& sk,
                         const BoundedDlog<G>& dlog) const {
  return dlog.solve(decrypt_to_group(ct, y, sk));
}

template <PrimeOrderGroup G>
std::vector<typename G::Element> Feip<G>::decrypt_many_to_group(const FeipCiphertext<G>& ct,
                                                                std::span<const int64_t> ys,
                                                                std::span<const Scalar> sks) const {
  const std::size_t n = ct.dim(), k = sks.size();
  HNN_REQUIRE(ys.size() == n * k, "Feip::decrypt_many: ", k, " keys need ", n * k,
              " coefficients (dimension ", n, "), got ", ys.size());
  std::vector<Element> out(k);
  group_.multi_pow_small_many(ct.ct, ys, out);
  // ct0 is shared by all k keys: one fixed-base table, then k cheap combs.
  const auto ct0_table = group_.precompute(ct.ct0);
  for (std::size_t j = 0; j < k; ++j) out[j] = group_.div(out[j], group_.pow_fixed(ct0_table, sks[j]));
  return out;
}

template <PrimeOrderGroup G>
std::vector<int64_t> Feip<G>::decrypt_many(const FeipCiphertext<G>& ct, std::span<const int64_t> ys,
                                           std::span<const Scalar> sks,
                                           const BoundedDlog<G>& dlog) const {
  const auto elems = decrypt_many_to_group(ct, ys, sks);
  return dlog.solve_many(elems);
}

template <PrimeOrderGroup G>
FeipEncryptor<G>::FeipEncryptor(G group, const FeipPublicKey<G>& mpk, int input_bits)
    : group_(std::move(group)), input_bits_(input_bits) {
  HNN_REQUIRE(input_bits >= 1 && input_bits <= 62, "FeipEncryptor: input_bits must be in [1, 62]");
  HNN_REQUIRE(mpk.dim() >= 1, "FeipEncryptor: empty public key");
  g_table_ = group_.precompute(group_.generator());
  h_tables_.resize(mpk.dim());
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(mpk.dim()); ++i)
    h_tables_[i] = group_.precompute(mpk.h[i]);
}

template <PrimeOrderGroup G>
FeipCiphertext<G> FeipEncryptor<G>::encrypt(std::span<const int64_t> x) const {
  HNN_REQUIRE(x.size() == dim(), "FeipEncryptor::encrypt: vector of ", x.size(),
              " entries for a public key of dimension ", dim());
  for (std::size_t i = 0; i < x.size(); ++i)
    HNN_REQUIRE(x[i] < (int64_t{1} << input_bits_) && x[i] > -(int64_t{1} << input_bits_),
                "FeipEncryptor::encrypt: |x[", i, "]| must be below 2^", input_bits_);
  typename G::Scalar r = group_.scalar_random();
  FeipCiphertext<G> ct;
  ct.ct0 = group_.pow_fixed(g_table_, r);
  ct.ct.resize(dim());
  for (std::size_t i = 0; i < dim(); ++i)
    ct.ct[i] = group_.mul(group_.pow_fixed(h_tables_[i], r),
                          group_.pow_fixed_small(g_table_, x[i], input_bits_));
  if constexpr (std::is_same_v<typename G::Scalar, std::array<uint8_t, 32>>) sodium_memzero(r.data(), r.size());
  return ct;
}

template struct FeipMasterKey<Ristretto255>;
template struct FeipMasterKey<ModpGroup>;
template class Feip<Ristretto255>;
template class Feip<ModpGroup>;
template class FeipEncryptor<Ristretto255>;
template class FeipEncryptor<ModpGroup>;

}  // namespace hnn::fe
