#include "hnn/ckks/bootstrap/bootstrapper.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <numbers>
#include <set>
#include <variant>

#include "../gpu/device_context.h"
#include "../key_switch.h"
#include "../poly_ops.h"
#include "hnn/ckks/bootstrap/dft.h"
#include "hnn/ckks/device.h"
#include "hnn/ckks/polynomial.h"
#include "hnn/rns/error.h"

namespace hnn::ckks::bootstrap {
namespace {

using rns::RnsPoly;

double prime(const Context& ctx, int level) { return static_cast<double>(ctx.modulus(static_cast<std::size_t>(level)).value); }

// The wall time of each stage, for BootstrapTimings. Operations on a CUDA device are queued
// asynchronously, so there every reading first waits for the device; a bootstrap without
// timings never reads the clock and never synchronizes.
class StageClock {
 public:
  StageClock(const Context& ctx, rns::Device device, bool on) : ctx_(ctx), device_(device), on_(on) {
    if (on_) t0_ = now();
  }
  // Seconds since the previous lap (or the construction); 0 when off.
  double lap() {
    if (!on_) return 0;
    const auto t = now();
    const double s = std::chrono::duration<double>(t - t0_).count();
    t0_ = t;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point now() const {
    if (device_.is_cuda()) synchronize(ctx_, device_);
    return std::chrono::steady_clock::now();
  }
  const Context& ctx_;
  rns::Device device_;
  bool on_;
  std::chrono::steady_clock::time_point t0_;
};

// The factors of one DFT as linear transforms, from `level` down, taking the scale from `scale`
// to `target` in equal ratios; `scales` receives the scale after each rescale. Factor g acts on
// slots[g] slots.
std::vector<LinearTransform> encode_factors(const Encoder& enc, const std::vector<Diagonals>& factors,
                                            const std::vector<std::size_t>& slots, int level, double scale,
                                            double target, std::vector<double>& scales, bool plan_only) {
  const Context& ctx = *enc.context();
  std::vector<LinearTransform> out;
  const int count = static_cast<int>(factors.size());
  for (int g = 0; g < count; ++g) {
    const double q = prime(ctx, level - g);
    const double d = q * std::pow(target / scale, 1.0 / (count - g));
    const auto i = static_cast<std::size_t>(g);
    out.emplace_back(enc, factors[i], slots[i], level - g, d, 0, plan_only);
    scale = scale * d / q;
    scales.push_back(scale);
  }
  scales.back() = target;
  return out;
}

// (x + conj x, (x - conj x) / i): twice the real and twice the imaginary part, each a real message.
std::pair<Ciphertext, Ciphertext> twice_real_and_imaginary(const Evaluator& ev, Ciphertext x, const Ciphertext& conj) {
  Ciphertext im = ev.sub(x, conj);
  ev.multiply_const_inplace(im, {0.0, -1.0}, 1.0);
  ev.add_inplace(x, conj);
  return {std::move(x), std::move(im)};
}

std::size_t wrap(long long j, std::size_t m) {
  const auto mm = static_cast<long long>(m);
  return static_cast<std::size_t>(((j % mm) + mm) % mm);
}

// Packed halves, CoeffToSlot side: the factor F on n slots becomes one on 2n slots whose output is
// (F x, -i F x) for a replicated input (x, x). Diagonal d keeps its offset: rotating (x, x) by d
// is rotating x by d.
Diagonals widen_output(const Diagonals& f, std::size_t n) {
  Diagonals out;
  for (const auto& [d, v] : f) {
    auto& w = out[d];
    w.resize(2 * n);
    for (std::size_t j = 0; j < 2 * n; ++j) w[j] = j < n ? v[j] : std::complex<double>(0, -1) * v[j - n];
  }
  return out;
}

// Packed halves, SlotToCoeff side: the factor F on n slots becomes one on 2n slots taking u = (a, b)
// (real halves) to F (a + i b), replicated. With v = m1 u + m2 rot_n(u), m1 = (1, i), m2 = (i, 1),
// v = (a + i b, a + i b), and F v = sum_d F_d m1(. + d) rot_d(u) + F_d m2(. + d) rot_{d+n}(u): each
// diagonal splits into offsets d and d + n.
Diagonals widen_input(const Diagonals& f, std::size_t n) {
  const std::complex<double> i(0, 1);
  auto m1 = [&](std::size_t j) { return j < n ? std::complex<double>(1) : i; };
  auto m2 = [&](std::size_t j) { return j < n ? i : std::complex<double>(1); };
  Diagonals out;
  for (const auto& [d, v] : f) {
    const long long dn = static_cast<long long>(d) + static_cast<long long>(n);
    auto& near = out[d];
    auto& far = out[static_cast<int>(dn)];
    near.resize(2 * n);
    far.resize(2 * n);
    for (std::size_t j = 0; j < 2 * n; ++j) {
      const std::size_t at = wrap(static_cast<long long>(j) + d, 2 * n);
      near[j] += v[j % n] * m1(at);
      far[j] += v[j % n] * m2(at);
    }
  }
  return out;
}

}  // namespace

Bootstrapper::Bootstrapper(ContextPtr ctx, const BootstrapConfig& config, Precompute precompute)
    : ctx_(std::move(ctx)), config_(config), encoder_(ctx_), evaluator_(ctx_) {
  const bool plan_only = precompute == Precompute::KeysOnly;
  const Context& c = *ctx_;
  const rns::RnsBase& chain = c.q_base(c.max_level());
  HNN_REQUIRE(c.max_level() >= 1, "bootstrapping needs a modulus chain above q_0");
  lift_ = rns::BaseConverter(chain.slice(0, 1), chain.slice(1, chain.size()));
  const std::size_t n = c.n();
  slots_ = config.slots == 0 ? n / 2 : config.slots;
  HNN_REQUIRE(std::has_single_bit(slots_) && slots_ >= 2 && slots_ <= n / 2, "bootstrap slots = ", slots_,
              ": use a power of two in 2..N/2 (0 for N/2)");
  packed_ = config.pack_sparse_halves && 2 * slots_ <= n / 2;
  HNN_REQUIRE(config.sparse_hamming_weight >= 1 && config.sparse_hamming_weight <= 256,
              "sparse_hamming_weight = ", config.sparse_hamming_weight,
              " must be in 1..256 (it sets EvalMod's range K = (h+1)/2 + 1/2)");
  HNN_REQUIRE(config.encapsulation_special_primes >= 1 &&
                  static_cast<std::size_t>(config.encapsulation_special_primes) <= c.special_count(),
              "encapsulation_special_primes must be in 1..", c.special_count());
  HNN_REQUIRE(config.double_angles >= 0 && config.double_angles <= 6, "double_angles must be in 0..6");
  HNN_REQUIRE(config.arcsine_degree == 0 || config.arcsine_degree == 3 || config.arcsine_degree == 5,
              "arcsine_degree must be 0, 3 or 5");
  HNN_REQUIRE(config.eval_mod_degree >= 3 && config.eval_mod_degree <= 255, "eval_mod_degree must be in 3..255");
  HNN_REQUIRE(config.log_message_ratio >= 4 && config.log_message_ratio <= 40, "log_message_ratio must be in 4..40");
  const int log_slots = std::countr_zero(slots_);
  HNN_REQUIRE(config.coeff_to_slot_levels >= 1 && config.coeff_to_slot_levels <= log_slots &&
                  config.slot_to_coeff_levels >= 1 && config.slot_to_coeff_levels <= log_slots,
              "DFT level budgets must be in 1..log2(slots) = ", log_slots);

  k_ = (config.sparse_hamming_weight + 1) / 2.0 + 0.5;
  series_ = scaled_cosine(k_, config.double_angles, config.eval_mod_degree);
  series_.a = -1;  // evaluated on u = t / K
  series_.b = 1;
  depth_ = config.coeff_to_slot_levels + eval_mod_depth() + config.slot_to_coeff_levels;
  const int top = c.max_level();
  HNN_REQUIRE(depth_ <= top, "bootstrapping needs ", depth_, " levels (CoeffToSlot ", config.coeff_to_slot_levels,
              ", EvalMod ", eval_mod_depth(), ", SlotToCoeff ", config.slot_to_coeff_levels, ") but the chain has ", top,
              ": use a bootstrapping preset");

  const double q0 = prime(c, 0);
  // CoeffToSlot: scale q_0 (after ModRaise) -> q_{first EvalMod level}; the factor folds in 1/K,
  // the 1/2 of the real/imaginary split and the trace's N/(2 slots).
  const double trace = static_cast<double>(n / 2 / slots_);
  const int em_level = top - config.coeff_to_slot_levels;
  auto cts_factors = coeff_to_slot_factors(c, slots_, config.coeff_to_slot_levels, 1.0 / (2 * k_ * trace));
  std::vector<std::size_t> cts_slots(cts_factors.size(), slots_);
  if (packed_) cts_factors.back() = widen_output(cts_factors.back(), slots_), cts_slots.back() = 2 * slots_;
  cts_ = encode_factors(encoder_, cts_factors, cts_slots, top, q0, prime(c, em_level), cts_scales_, plan_only);
  // SlotToCoeff: its input scale follows EvalMod's (known at this point for the default scale).
  double s = cts_scales_.back();
  // The Chebyshev series keeps its input's scale; each double angle maps s -> s^2 / q.
  int level = em_level - chebyshev_depth(series_);
  for (int r = 0; r < config.double_angles; ++r) s = s * s / prime(c, level--);
  if (config.arcsine_degree > 0) {  // eval_mod sets the result's scale to its input's
    level -= eval_mod_depth() - chebyshev_depth(series_) - config.double_angles;
  }
  const double delta = c.params().default_scale() * std::ldexp(1.0, prescale_bits(c.params().default_scale()));
  s = s * 2 * std::numbers::pi * delta / q0;
  stc_input_scale_ = s;
  auto stc_factors = slot_to_coeff_factors(c, slots_, config.slot_to_coeff_levels, 1.0);
  std::vector<std::size_t> stc_slots(stc_factors.size(), slots_);
  if (packed_) stc_factors.front() = widen_input(stc_factors.front(), slots_), stc_slots.front() = 2 * slots_;
  stc_ = encode_factors(encoder_, stc_factors, stc_slots, level, s, c.params().default_scale(), stc_scales_,
                        plan_only);
}

int Bootstrapper::eval_mod_depth() const {
  return chebyshev_depth(series_) + config_.double_angles + (config_.arcsine_degree == 5 ? 3 : config_.arcsine_degree == 3 ? 2 : 0);
}

int Bootstrapper::prescale_bits(double input_scale) const {
  const double q0 = prime(*ctx_, 0);
  const int k = static_cast<int>(std::lround(std::log2(q0 / input_scale))) - config_.log_message_ratio;
  HNN_REQUIRE(k >= 0, "input scale 2^", std::log2(input_scale), " is too large for bootstrapping: q_0 / scale must be at least 2^",
              config_.log_message_ratio, " (log_message_ratio)");
  return k;
}

std::vector<int> Bootstrapper::rotation_steps() const {
  std::set<int> steps;
  for (const auto* group : {&cts_, &stc_})
    for (const auto& lt : *group)
      for (int s : lt.rotation_steps()) steps.insert(s);
  for (std::size_t s = slots_; s < ctx_->n() / 2; s *= 2) steps.insert(static_cast<int>(s));
  return {steps.begin(), steps.end()};
}

std::size_t Bootstrapper::precomputed_bytes() const {
  std::size_t b = 0;
  for (const auto* group : {&cts_, &stc_})
    for (const auto& lt : *group) b += lt.size_bytes();
  return b;
}

std::size_t Bootstrapper::device_precomputed_bytes() const {
  std::size_t b = 0;
  for (const auto* group : {&cts_, &stc_})
    for (const auto& lt : *group) b += lt.device_size_bytes();
  return b;
}

std::size_t Bootstrapper::plaintext_count() const {
  std::size_t b = 0;
  for (const auto* group : {&cts_, &stc_})
    for (const auto& lt : *group) b += lt.plaintext_count();
  return b;
}

BootstrapKeys Bootstrapper::create_keys(KeyGenerator& keygen) const {
  BootstrapKeys keys;
  create_keys(keygen, [&](KeyPart&& part) { add_key_part(keys, std::move(part)); });
  return keys;
}

Bootstrapper::KeyLevels Bootstrapper::galois_key_levels() const {
  KeyLevels levels;
  const auto use_element = [&](uint32_t e, int level) {
    auto [it, fresh] = levels.emplace(e, level);
    if (!fresh) it->second = std::max(it->second, level);
  };
  const auto use = [&](int step, int level) { use_element(ctx_->galois_element(step), level); };
  // LinearTransform::apply switches at the transform's level; the trace at the top level.
  for (const auto* group : {&cts_, &stc_})
    for (const auto& lt : *group)
      for (int s : lt.rotation_steps()) use(s, lt.level());
  for (std::size_t s = slots_; s < ctx_->n() / 2; s *= 2) use(static_cast<int>(s), ctx_->max_level());
  // coeff_to_slot conjugates CoeffToSlot's output (its last factor rescales once); bootstrap and
  // bootstrap_pair conjugate at output_level(), below it.
  use_element(ctx_->conjugation_element(), cts_.back().level() - 1);
  return levels;
}

// The levels create_keys will use: `levels`, checked to name exactly galois_key_levels()'s
// elements, each at its level or above.
namespace {
void require_key_levels(const Context& ctx, const Bootstrapper::KeyLevels& needed, const Bootstrapper::KeyLevels& levels) {
  for (const auto& [e, level] : levels)
    HNN_REQUIRE(needed.count(e), "bootstrapping key levels name Galois element ", e,
                ", which bootstrapping does not use: make its key apart (KeyGenerator::add_galois_keys)");
  for (const auto& [e, level] : needed) {
    const auto it = levels.find(e);
    HNN_REQUIRE(it != levels.end(), "bootstrapping key levels lack Galois element ", e);
    HNN_REQUIRE(it->second >= level && it->second <= ctx.max_level(), "the Galois key of element ", e, " is asked for levels <= ",
                it->second, "; bootstrapping switches it at level ", level, " and the chain has ", ctx.max_level());
  }
}
}  // namespace

void Bootstrapper::create_keys(KeyGenerator& keygen, const KeyPartSink& sink) const {
  create_keys(keygen, sink, galois_key_levels());
}

void Bootstrapper::create_keys(KeyGenerator& keygen, const KeyPartSink& sink, const KeyLevels& levels) const {
  HNN_REQUIRE(keygen.secret_key().context()->digest() == ctx_->digest(), "key generator belongs to another parameter set");
  require_key_levels(*ctx_, galois_key_levels(), levels);
  sink(keygen.create_relin_key());
  // Element by element in the order create_galois_keys(rotation_steps(), true) draws them; a key
  // restricted to fewer levels draws the same randomness as a full one (KeyGenerator).
  std::vector<uint32_t> elements;
  for (int s : rotation_steps()) elements.push_back(ctx_->galois_element(s));
  elements.push_back(ctx_->conjugation_element());
  std::set<uint32_t> made;
  for (uint32_t g : elements) {
    if (!made.insert(g).second) continue;
    GaloisKeys one(ctx_);
    keygen.add_galois_keys(one, {g}, levels.at(g));
    sink(std::move(one));
  }
  sink(keygen.create_encapsulation_keys(config_.sparse_hamming_weight,
                                        static_cast<std::size_t>(config_.encapsulation_special_primes)));
}

std::set<uint32_t> Bootstrapper::galois_elements() const {
  std::set<uint32_t> elements;
  for (const auto& [e, level] : galois_key_levels()) elements.insert(e);
  return elements;
}

std::size_t Bootstrapper::key_count() const { return 1 + galois_key_levels().size() + 2; }

std::size_t Bootstrapper::key_bytes() const { return key_bytes(galois_key_levels()); }

std::size_t Bootstrapper::key_bytes(const KeyLevels& levels) const {
  require_key_levels(*ctx_, galois_key_levels(), levels);
  std::size_t bytes = switching_key_bytes(*ctx_, ctx_->max_level()) + encapsulation_key_bytes();  // relin, encapsulation
  for (const auto& [e, level] : levels) bytes += switching_key_bytes(*ctx_, level);  // exactly the elements used
  return bytes;
}

std::size_t Bootstrapper::encapsulation_key_bytes() const {
  const Context& ctx = *ctx_;
  // The key s -> s' lives in a context of q_0 and the first special primes, with one digit: two
  // polynomials over 1 + encapsulation_special_primes limbs; the key s' -> s is a full key.
  const std::size_t to_sparse =
      2 * (1 + static_cast<std::size_t>(config_.encapsulation_special_primes)) * ctx.n() * sizeof(uint64_t);
  return switching_key_bytes(ctx, ctx.max_level()) + to_sparse;
}

void Bootstrapper::move_to(rns::Device device) {
  if (device == device_) return;
  for (LinearTransform& t : cts_) t.move_to(device, *ctx_);
  for (LinearTransform& t : stc_) t.move_to(device, *ctx_);
  device_lift_.reset();
  if (device.is_cuda())
    device_lift_ = std::make_shared<cuda::DeviceBaseConverter>(lift_, ctx_->device_context(device).stream());
  device_ = device;
}

BootstrapKeys to_device(const BootstrapKeys& keys, rns::Device device) {
  BootstrapKeys out;
  out.relin = to_device(keys.relin, device);
  out.galois = to_device(keys.galois, device);
  out.encapsulation = to_device(keys.encapsulation, device);
  return out;
}

EncapsulationKeys to_device(const EncapsulationKeys& keys, rns::Device device) {
  EncapsulationKeys out;
  out.small = keys.small;
  out.to_sparse = to_device(keys.to_sparse, device);
  out.from_sparse = to_device(keys.from_sparse, device);
  out.hamming_weight = keys.hamming_weight;
  return out;
}

KeyPart to_device(const KeyPart& part, rns::Device device) {
  return std::visit([&](const auto& p) -> KeyPart { return to_device(p, device); }, part);
}

void add_key_part(BootstrapKeys& keys, KeyPart&& part) {
  // The main context of each kind of part, and the part's name for messages.
  const auto context_of = [](const KeyPart& p) -> const ContextPtr& {
    if (const auto* r = std::get_if<RelinKey>(&p)) return r->context();
    if (const auto* g = std::get_if<GaloisKeys>(&p)) return g->context();
    return std::get<EncapsulationKeys>(p).from_sparse.context();
  };
  const ContextPtr& ctx = context_of(part);
  HNN_REQUIRE(ctx != nullptr, "an empty key part");
  const ContextPtr& have = keys.relin.context() ? keys.relin.context()
                           : keys.galois.context() ? keys.galois.context()
                                                   : keys.encapsulation.from_sparse.context();
  HNN_REQUIRE(!have || have->digest() == ctx->digest(), "a key part of another parameter set than the keys before it");
  if (auto* r = std::get_if<RelinKey>(&part)) {
    HNN_REQUIRE(!keys.relin.context(), "a second relinearization key");
    keys.relin = std::move(*r);
  } else if (auto* g = std::get_if<GaloisKeys>(&part)) {
    HNN_REQUIRE(g->keys().size() == 1, "a Galois key part holds one key, not ", g->keys().size());
    if (!keys.galois.context()) keys.galois = GaloisKeys(ctx);
    auto taken = g->take_keys();
    auto& [element, key] = *taken.begin();
    HNN_REQUIRE(!keys.galois.has(element), "a second key for Galois element ", element);
    keys.galois.insert(element, std::move(key));
  } else {
    HNN_REQUIRE(!keys.encapsulation.small, "a second set of encapsulation keys");
    keys.encapsulation = std::move(std::get<EncapsulationKeys>(part));
  }
}

Ciphertext Bootstrapper::mod_raise(const Ciphertext& ct, const BootstrapKeys& keys) const {
  const Context& c = *ctx_;
  HNN_REQUIRE(ct.context() && ct.context()->digest() == c.digest(), "ciphertext belongs to another parameter set");
  HNN_REQUIRE(ct.size() == 2, "bootstrap a relinearized (2-component) ciphertext");
  HNN_REQUIRE(ct.device() == device_, "the bootstrapper's plaintexts are on ", device_.name(), " but the ciphertext on ",
              ct.device().name(), ": call Bootstrapper::move_to, or move the ciphertext (to_device / to_host)");
  HNN_REQUIRE(keys.encapsulation.small != nullptr, "bootstrapping keys lack the encapsulation keys: use create_keys");
  const std::size_t n = c.n();
  const Context& small = *keys.encapsulation.small;
  HNN_REQUIRE(small.params().q()[0] == c.params().q()[0] && small.n() == n,
              "encapsulation keys belong to another parameter set");
  // Level 0, then s -> s' in the small context (same q_0 limb, same NTT tables).
  RnsPoly c0 = ct[0].clone(1), c1 = ct[1].clone(1);
  {
    RnsPoly u0, u1;
    detail::key_switch(small, detail::decompose(small, c1), keys.encapsulation.to_sparse, nullptr, u0, u1);
    detail::add_inplace(small, c0, u0);
    c1 = std::move(u1);
  }
  // Lift the q_0 residues, centered, to the whole chain: limb 0 as it is, the others by the
  // (single-prime, centered) base conversion q_0 -> q_1..q_L.
  const std::size_t limbs = static_cast<std::size_t>(c.max_level()) + 1;
  std::vector<RnsPoly> raised;
  for (RnsPoly* p : {&c0, &c1}) {
    detail::to_coeff(c, *p);
    RnsPoly r = p->uninitialized_like(limbs);
    if (p->on_device()) {
      const cuda::Stream s = p->stream();
      cuda::copy_device_to_device(r.device_limb(0), p->device_data(), n * sizeof(uint64_t), s);
      device_lift_->convert_centered(p->device_data(), r.device_limb(1), n, s);
    } else {
      std::copy(p->data(), p->data() + n, r.limb(0));
      lift_.convert_centered(p->data(), r.limb(1), n);
    }
    detail::to_ntt(c, r);
    raised.push_back(std::move(r));
  }
  // s' -> s at the top level.
  RnsPoly u0, u1;
  detail::key_switch(c, detail::decompose(c, raised[1]), keys.encapsulation.from_sparse, nullptr, u0, u1);
  detail::add_inplace(c, raised[0], u0);
  raised[1] = std::move(u1);
  return Ciphertext(ctx_, std::move(raised), prime(c, 0), ct.slots());
}

std::vector<Ciphertext> Bootstrapper::coeff_to_slot(const Ciphertext& raised, const BootstrapKeys& keys) const {
  HNN_REQUIRE(raised.level() == ctx_->max_level(), "coeff_to_slot expects mod_raise's output (top level)");
  const Evaluator& ev = evaluator_;
  Ciphertext x = raised.clone();
  x.set_scale(prime(*ctx_, 0));
  // Trace onto the sparse subring: sum over the rotations by slots, 2 slots, ..., N/4.
  for (std::size_t s = slots_; s < ctx_->n() / 2; s *= 2) ev.add_inplace(x, ev.rotate(x, static_cast<int>(s), keys.galois));
  for (std::size_t g = 0; g < cts_.size(); ++g) {
    x.set_slots(cts_[g].slots());
    x = cts_[g].apply_rescaled(ev, x, keys.galois);
    x.set_scale(cts_scales_[g]);
  }
  // The factors fold in the 1/2 of x + conj x (both halves are real parts).
  Ciphertext conj = ev.conjugate(x, keys.galois);
  std::vector<Ciphertext> halves;
  if (packed_) {  // x = (w, -i w): its real part is (Re w, Im w)
    ev.add_inplace(x, conj);
    halves.push_back(std::move(x));
    return halves;
  }
  auto [re, im] = twice_real_and_imaginary(ev, std::move(x), conj);
  halves.push_back(std::move(re));
  halves.push_back(std::move(im));
  return halves;
}

Ciphertext Bootstrapper::eval_mod(const Ciphertext& u, const BootstrapKeys& keys) const {
  const Evaluator& ev = evaluator_;
  HNN_REQUIRE(u.level() >= eval_mod_depth(), "eval_mod needs ", eval_mod_depth(), " levels, the input is at level ", u.level());
  Ciphertext y = evaluate_chebyshev(ev, u, series_, keys.relin, u.scale());
  for (int r = 0; r < config_.double_angles; ++r) {
    y = ev.multiply_no_relin(y, y);
    ev.multiply_integer_inplace(y, 2);
    ev.add_const_inplace(y, -1.0);
    ev.relinearize_rescale_inplace(y, keys.relin);
  }
  if (config_.arcsine_degree > 0) y = arcsine(y, keys);
  y.set_scale(y.scale() * 2 * std::numbers::pi);  // value divided by 2 pi
  return y;
}

// arcsin(y) ~ y + y^3/6 (+ 3 y^5/40), in 2 (3) levels. Every sum is formed at one exact scale by
// integer constants of ~2^60 chosen per term; the result has y's scale.
Ciphertext Bootstrapper::arcsine(const Ciphertext& y, const BootstrapKeys& keys) const {
  const Evaluator& ev = evaluator_;
  const Context& c = *ctx_;
  const double s = y.scale();
  const int l = y.level();
  // src * value, rescaled, with scale exactly `target` afterwards.
  auto times = [&](const Ciphertext& src, double value, double target) {
    Ciphertext t = src.clone();
    ev.multiply_const_inplace(t, value, target * prime(c, t.level()) / t.scale());
    ev.rescale_inplace(t);
    t.set_scale(target);
    return t;
  };
  // src brought to `level` and scale `target` by an integer constant (no level used).
  auto match = [&](const Ciphertext& src, int level, double target) {
    Ciphertext t = ev.copy_at_level(src, level);
    ev.multiply_const_inplace(t, 1.0, target / t.scale());
    t.set_scale(target);
    return t;
  };
  Ciphertext z = ev.multiply_no_relin(y, y);  // y^2 at l - 1
  ev.relinearize_rescale_inplace(z, keys.relin);
  const int top = config_.arcsine_degree == 5 ? l - 2 : l - 1;  // where the terms are summed
  const double sum_scale = s * prime(c, top);                     // rescaled by q_top: s again
  Ciphertext acc;
  if (config_.arcsine_degree == 5) {
    Ciphertext z2 = ev.multiply_no_relin(z, z);  // y^4 at l - 2
    ev.relinearize_rescale_inplace(z2, keys.relin);
    Ciphertext a = times(y, 3.0 / 40.0, sum_scale / z2.scale());  // at l - 1
    ev.drop_to_level_inplace(a, top);
    acc = ev.multiply_no_relin(a, z2);  // relinearized with the final rescale
    acc.set_scale(sum_scale);
    Ciphertext cube = ev.multiply_no_relin(times(y, 1.0 / 6.0, s), z);  // y^3 / 6 at l - 1
    ev.relinearize_rescale_inplace(cube, keys.relin);
    ev.add_inplace(acc, match(cube, top, sum_scale));
  } else {
    acc = ev.multiply_no_relin(times(y, 1.0 / 6.0, sum_scale / z.scale()), z);
    acc.set_scale(sum_scale);
  }
  ev.add_inplace(acc, match(y, top, sum_scale));
  ev.relinearize_rescale_inplace(acc, keys.relin);
  acc.set_scale(s);
  return acc;
}

Ciphertext Bootstrapper::slot_to_coeff(const std::vector<Ciphertext>& halves, const BootstrapKeys& keys) const {
  const Evaluator& ev = evaluator_;
  HNN_REQUIRE(halves.size() == (packed_ ? 1u : 2u), "slot_to_coeff takes ", packed_ ? "one packed ciphertext" : "{re, im}",
              " as coeff_to_slot returns it, got ", halves.size(), " ciphertexts");
  Ciphertext x = halves[0].clone();
  if (!packed_) {  // re + i im; packed halves are combined by the first factor
    Ciphertext im = halves[1].clone();
    ev.multiply_const_inplace(im, {0.0, 1.0}, 1.0);
    ev.add_inplace(x, im);
  }
  HNN_REQUIRE(x.level() >= stc_.front().level(), "slot_to_coeff needs its input at level ", stc_.front().level(),
              " or above, got ", x.level());
  // The precomputed factors assume the default input scale; a different one carries through.
  const double ratio = x.scale() / stc_input_scale_;
  for (std::size_t g = 0; g < stc_.size(); ++g) {
    x.set_slots(stc_[g].slots());
    x = stc_[g].apply_rescaled(ev, x, keys.galois);
    x.set_scale(stc_scales_[g] * ratio);
  }
  x.set_slots(slots_);
  return x;
}

Ciphertext Bootstrapper::refresh(const Ciphertext& ct, const BootstrapKeys& keys, BootstrapTimings* timings) const {
  HNN_REQUIRE(!cts_.front().plan_only(), "this Bootstrapper was made with Precompute::KeysOnly: it plans keys, it "
              "cannot bootstrap");
  const Evaluator& ev = evaluator_;
  HNN_REQUIRE(ct.slots() == slots_, "this bootstrapper handles ", slots_, " slots, the ciphertext has ", ct.slots());
  StageClock clock(*ctx_, ct.device(), timings != nullptr);
  Ciphertext in = ev.copy_at_level(ct, 0);
  const int k = prescale_bits(in.scale());
  const double delta = in.scale() * std::ldexp(1.0, k);
  if (k > 0) ev.multiply_integer_inplace(in, int64_t{1} << k);
  Ciphertext raised = mod_raise(in, keys);
  BootstrapTimings t;
  t.mod_raise_s = clock.lap();
  std::vector<Ciphertext> halves = coeff_to_slot(raised, keys);
  t.coeff_to_slot_s = clock.lap();
  const double q0 = prime(*ctx_, 0);
  for (Ciphertext& h : halves) {
    h = eval_mod(h, keys);
    h.set_scale(h.scale() * delta / q0);  // value (m / q_0) -> m / delta = x
  }
  t.eval_mod_s = clock.lap();
  Ciphertext out = slot_to_coeff(halves, keys);
  t.slot_to_coeff_s = clock.lap();
  if (timings) *timings = t;
  return out;
}

Ciphertext Bootstrapper::bootstrap(const Ciphertext& ct, const BootstrapKeys& keys, BootstrapTimings* timings) const {
  Ciphertext out = refresh(ct, keys, timings);
  if (config_.real_slots) {  // (x + conj x) / 2: the halving is a relabelling of the scale
    StageClock clock(*ctx_, ct.device(), timings != nullptr);
    evaluator_.add_inplace(out, evaluator_.conjugate(out, keys.galois));
    out.set_scale(out.scale() * 2);
    if (timings) timings->slot_to_coeff_s += clock.lap();
  }
  return out;
}

std::pair<Ciphertext, Ciphertext> Bootstrapper::bootstrap_pair(const Ciphertext& a, const Ciphertext& b,
                                                               const BootstrapKeys& keys,
                                                               BootstrapTimings* timings) const {
  const Evaluator& ev = evaluator_;
  HNN_REQUIRE(config_.real_slots, "bootstrap_pair packs two real messages: build the bootstrapper with real_slots");
  HNN_REQUIRE(a.level() == b.level() && a.scale() == b.scale(), "bootstrap_pair needs equal levels and scales, got level ",
              a.level(), " scale 2^", std::log2(a.scale()), " and level ", b.level(), " scale 2^", std::log2(b.scale()));
  Ciphertext in = b.clone();
  ev.multiply_const_inplace(in, {0.0, 1.0}, 1.0);  // i b: X^(N/2), exact
  ev.add_inplace(in, a);
  Ciphertext re = refresh(in, keys, timings);
  StageClock clock(*ctx_, a.device(), timings != nullptr);
  const Ciphertext conj = ev.conjugate(re, keys.galois);
  auto [x, y] = twice_real_and_imaginary(ev, std::move(re), conj);
  x.set_scale(x.scale() * 2);  // the halvings are relabellings
  y.set_scale(y.scale() * 2);
  if (timings) timings->slot_to_coeff_s += clock.lap();
  return {std::move(x), std::move(y)};
}


namespace presets {
namespace {
BootstrapPreset make(int log_n, int user_levels, std::size_t slots, SecurityLevel security, int special) {
  BootstrapPreset p;
  p.params.log_n = log_n;
  p.params.log_q.push_back(60);
  for (int i = 0; i < user_levels; ++i) p.params.log_q.push_back(40);
  // SlotToCoeff takes the message from EvalMod's scale (~2^56.7 at log_message_ratio 6) to 2^40 in
  // three steps: its diagonals are encoded at ~2^39.5 (rounding error ~2^-33 relative per entry).
  for (int i = 0; i < 3; ++i) p.params.log_q.push_back(45);
  for (int i = 0; i < 12; ++i) p.params.log_q.push_back(60);  // EvalMod: Chebyshev 63 (7) + 2 double angles + arcsine (3)
  // CoeffToSlot keeps the scale at q_0 ~ 2^60; its diagonals are encoded at ~2^58. They multiply
  // t = m / q_0 + I with |I| <= 16.5, so their rounding error reaches the message amplified by
  // q_0 / scale (2^6) and sqrt(slots): 58 bits keep that below 2^-31.
  for (int i = 0; i < 3; ++i) p.params.log_q.push_back(58);
  p.params.log_p.assign(static_cast<std::size_t>(special), 60);
  p.params.log_scale = 40;
  p.params.security = security;
  p.config.slots = slots;
  return p;
}
}  // namespace
BootstrapPreset n16_bootstrap(std::size_t slots) { return make(16, 9, slots, SecurityLevel::Bits128, 5); }
BootstrapPreset insecure_n12_bootstrap(std::size_t slots, int user_levels) {
  HNN_REQUIRE(user_levels >= 1, "insecure_n12_bootstrap: at least one user level");
  return make(12, user_levels, slots, SecurityLevel::None, 4);
}
}  // namespace presets

}  // namespace hnn::ckks::bootstrap
