#include "hnn/ckks/context.h"

#include <cmath>
#include <numbers>

#include "gpu/device_context.h"
#include "hnn/rns/error.h"

namespace hnn::ckks {

std::shared_ptr<const Context> Context::create(const Parameters& params) {
  return std::shared_ptr<const Context>(new Context(params));
}

Context::~Context() = default;

Context::Context(const Parameters& p) : params_(p) {
  const std::size_t n = p.n();
  const int L = p.max_level();
  const std::size_t k = p.p().size();
  for (uint64_t q : p.q()) moduli_.emplace_back(q);
  for (uint64_t q : p.p()) moduli_.emplace_back(q);
  ntt_.reserve(moduli_.size());
  for (auto& m : moduli_) ntt_.emplace_back(n, m);

  for (int l = 0; l <= L; ++l) q_bases_.emplace_back(std::vector<uint64_t>(p.q().begin(), p.q().begin() + l + 1));
  p_base_ = rns::RnsBase(p.p());

  inv_q_last_.resize(L + 1);
  for (int l = 1; l <= L; ++l) {
    for (int i = 0; i < l; ++i) {
      const uint64_t inv = rns::inv_mod_prime(rns::reduce_64(p.q()[l], moduli_[i]), moduli_[i]);
      inv_q_last_[l].push_back(inv);
      inv_q_last_[l].push_back(rns::shoup_precompute(inv, p.q()[i]));
    }
  }

  // Key switching tables for every level.
  const std::size_t alpha = static_cast<std::size_t>(p.alpha());
  mod_up_.resize(L + 1);
  for (int l = 0; l <= L; ++l) {
    const std::size_t limbs = static_cast<std::size_t>(l) + 1;
    const int digits = digits_at_level(l);
    for (int j = 0; j < digits; ++j) {
      ModUpStep step;
      step.begin = j * alpha;
      step.end = std::min(limbs, (j + 1) * alpha);
      std::vector<uint64_t> from(p.q().begin() + step.begin, p.q().begin() + step.end), to;
      for (std::size_t i = 0; i < limbs; ++i) {
        if (i >= step.begin && i < step.end) continue;
        step.target_limbs.push_back(i);
        to.push_back(p.q()[i]);
      }
      for (std::size_t t = 0; t < k; ++t) {
        step.target_limbs.push_back(limbs + t);
        to.push_back(p.p()[t]);
      }
      step.converter = rns::BaseConverter(rns::RnsBase(from), rns::RnsBase(to));
      for (std::size_t pos : step.target_limbs)
        (pos < step.begin ? step.forward_below : step.forward_above)
            .tables.push_back(&ntt_[pos < limbs ? pos : p_index(pos - limbs)]);
      mod_up_[l].push_back(std::move(step));
    }
    mod_down_.emplace_back(p_base_, q_bases_[l]);
  }
  for (int i = 0; i <= L; ++i) {
    const rns::Modulus& qi = moduli_[i];
    uint64_t pm = 1;
    for (uint64_t pj : p.p()) pm = rns::mul_mod(pm, rns::reduce_64(pj, qi), qi);
    p_mod_q_.push_back(pm);
    p_mod_q_shoup_.push_back(rns::shoup_precompute(pm, qi.value));
    const uint64_t inv = rns::inv_mod_prime(pm, qi);
    p_inv_mod_q_.push_back(inv);
    p_inv_mod_q_shoup_.push_back(rns::shoup_precompute(inv, qi.value));
    half_power_of_psi_.push_back(rns::pow_mod(ntt_[i].psi(), n / 2, qi));
  }
  mod_down_rescale_.resize(L + 1);
  pq_last_inv_.resize(L + 1);
  for (int l = 1; l <= L; ++l) {
    std::vector<uint64_t> from(p.p());
    from.push_back(p.q()[l]);
    mod_down_rescale_[l] = rns::BaseConverter(rns::RnsBase(from), q_bases_[l - 1]);
    for (int i = 0; i < l; ++i) {
      const rns::Modulus& qi = moduli_[i];
      const uint64_t inv = rns::mul_mod(p_inv_mod_q_[i], inv_q_last(l, i), qi);
      pq_last_inv_[l].push_back(inv);
      pq_last_inv_[l].push_back(rns::shoup_precompute(inv, qi.value));
    }
  }

  // Encoding tables (HEAAN): rotation group and 2N-th roots of unity.
  const std::size_t m = 2 * n;
  rot_group_.resize(n / 2);
  uint64_t five = 1;
  for (std::size_t j = 0; j < n / 2; ++j) {
    rot_group_[j] = static_cast<uint32_t>(five);
    five = (five * 5) % m;
  }
  ksi_pows_.resize(m + 1);
  for (std::size_t j = 0; j < m; ++j) {
    const double angle = 2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(m);
    ksi_pows_[j] = {std::cos(angle), std::sin(angle)};
  }
  ksi_pows_[m] = ksi_pows_[0];
  fft_twiddles_.resize(n / 2);
  inverse_fft_twiddles_.resize(n / 2);
  for (std::size_t lenh = 1; lenh <= n / 4; lenh <<= 1) {
    const std::size_t lenq = 8 * lenh;
    for (std::size_t j = 0; j < lenh; ++j) {
      const std::size_t r = rot_group_[j] % lenq;
      fft_twiddles_[lenh + j] = ksi_pows_[r * (m / lenq)];
      inverse_fft_twiddles_[lenh + j] = ksi_pows_[(lenq - r) * (m / lenq)];
    }
  }
}

ntt::NttPlan Context::plan_q(std::size_t limbs, ntt::Direction dir) const {
  ntt::NttPlan plan;
  plan.direction = dir;
  for (std::size_t i = 0; i < limbs; ++i) plan.tables.push_back(&ntt_[i]);
  return plan;
}

ntt::NttPlan Context::plan(const std::vector<std::size_t>& qp_indices, ntt::Direction dir) const {
  ntt::NttPlan plan;
  plan.direction = dir;
  for (std::size_t i : qp_indices) plan.tables.push_back(&ntt_[i]);
  return plan;
}

std::vector<std::size_t> Context::extended_indices(int level) const {
  std::vector<std::size_t> idx;
  for (int i = 0; i <= level; ++i) idx.push_back(static_cast<std::size_t>(i));
  for (std::size_t j = 0; j < special_count(); ++j) idx.push_back(p_index(j));
  return idx;
}

uint32_t Context::galois_element(int step) const {
  const std::size_t half = n() / 2;  // the order of 5 modulo 2N
  const int64_t s = ((static_cast<int64_t>(step) % static_cast<int64_t>(half)) + half) % half;
  return rot_group_[static_cast<std::size_t>(s)];
}

ntt::NttPlan Context::subring_plan(std::size_t g, const std::vector<std::size_t>& qp_indices) const {
  HNN_REQUIRE(g >= 1 && (g & (g - 1)) == 0 && g <= n() / 2, "subring gap ", g, " must be a power of two <= N/2");
  std::lock_guard<std::mutex> lock(subring_mutex_);
  auto& tables = subring_ntt_[g];
  if (tables.empty()) {  // every QP limb at once; the tables are N / g words each
    for (const ntt::NttTables& full : ntt_)
      tables.push_back(std::make_unique<ntt::NttTables>(n() / g, full.modulus(),
                                                        rns::pow_mod(full.psi(), g, full.modulus())));
  }
  ntt::NttPlan plan{{}, ntt::Direction::Forward};
  for (std::size_t i : qp_indices) {
    HNN_REQUIRE(i < tables.size(), "subring plan: QP index ", i, " out of range");
    plan.tables.push_back(tables[i].get());
  }
  return plan;
}

const std::vector<uint32_t>& Context::galois_permutation(uint32_t galois_elt) const {
  HNN_REQUIRE(galois_elt % 2 == 1 && galois_elt < 2 * n(), "Galois element ", galois_elt,
              " must be odd and below 2N = ", 2 * n());
  std::lock_guard<std::mutex> lock(galois_mutex_);
  auto it = galois_perms_.find(galois_elt);
  if (it != galois_perms_.end()) return it->second;
  // NTT slot j holds a(psi^(2 brev(j) + 1)). sigma_g(a)(psi^e) = a(psi^(g e)), so output slot j
  // reads input slot brev(((g (2 brev(j) + 1)) mod 2N - 1) / 2).
  const std::size_t n_ = n();
  const int log_n = params_.log_n();
  const uint64_t mask = 2 * n_ - 1;
  std::vector<uint32_t> perm(n_);
  for (std::size_t j = 0; j < n_; ++j) {
    const uint64_t e = 2 * ntt::bit_reverse(static_cast<uint32_t>(j), log_n) + 1;
    const uint64_t ge = (static_cast<uint64_t>(galois_elt) * e) & mask;
    perm[j] = ntt::bit_reverse(static_cast<uint32_t>((ge - 1) >> 1), log_n);
  }
  return galois_perms_.emplace(galois_elt, std::move(perm)).first->second;
}

uint32_t Context::galois_element_of(const std::vector<uint32_t>& perm) const {
  std::lock_guard<std::mutex> lock(galois_mutex_);
  for (const auto& [elt, p] : galois_perms_)
    if (&p == &perm) return elt;
  HNN_THROW(InternalError, "a permutation not made by this context's galois_permutation");
}

const gpu::DeviceContext& Context::device_context(rns::Device device) const {
  std::lock_guard<std::mutex> lock(device_mutex_);
  auto& slot = devices_[{static_cast<int>(device.kind), device.index}];
  if (!slot) slot = std::make_unique<gpu::DeviceContext>(*this, device);
  return *slot;
}

}  // namespace hnn::ckks
