#include "device_context.h"

#include "hnn/rns/error.h"

namespace hnn::ckks::gpu {

namespace {
// One stream per device for the whole process, so that work of different contexts on one device
// is ordered. Made on first use and never destroyed: buffers are freed on it up to the very end.
// The device's default pool keeps freed memory (hot loops allocate and free the same sizes).
const cuda::Stream& stream_for(rns::Device device) {
  HNN_REQUIRE(device.is_cuda(), "a device context needs a CUDA device, not ", device.name());
  static std::mutex mutex;
  static std::map<std::pair<int, int>, cuda::Stream*>* streams = new std::map<std::pair<int, int>, cuda::Stream*>;
  std::lock_guard<std::mutex> lock(mutex);
  cuda::Stream*& s = (*streams)[{static_cast<int>(device.kind), device.index}];
  if (!s) {
    if (device.kind == rns::Device::Kind::CudaEmulated) {
      s = new cuda::Stream(cuda::Stream::emulated());
    } else {
      HNN_REQUIRE(device.index >= 0 && device.index < cuda::device_count(), "no CUDA device ", device.index, ": ",
                  cuda::describe_device(device.index));
      s = new cuda::Stream(device.index);
      cuda::MemoryPool::device_default(device.index).keep_freed_memory();
    }
  }
  return *s;
}
}  // namespace

DeviceContext::DeviceContext(const Context& ctx, rns::Device device)
    : ctx_(ctx), device_(device), stream_(stream_for(device)) {
  const std::size_t limbs = ctx.params().q().size() + ctx.special_count();
  std::vector<rns::Modulus> moduli;
  std::vector<const ntt::NttTables*> tables;
  for (std::size_t i = 0; i < limbs; ++i) {
    moduli.push_back(ctx.modulus(i));
    tables.push_back(&ctx.ntt_tables(i));
  }
  moduli_ = cuda::DeviceBuffer(moduli.size() * sizeof(rns::Modulus), stream_);
  moduli_.upload(moduli.data(), moduli_.size(), stream_);
  ntt_ = std::make_unique<ntt::cuda::DeviceNttPlan>(tables, stream_);
  const int L = ctx.max_level();
  mod_up_.resize(static_cast<std::size_t>(L) + 1);
  for (int l = 0; l <= L; ++l) {
    for (int j = 0; j < ctx.digits_at_level(l); ++j) mod_up_[l].emplace_back(ctx.mod_up_step(l, j).converter, stream_);
    mod_down_.emplace_back(ctx.mod_down_converter(l), stream_);
  }
  for (int l = 1; l <= L; ++l) mod_down_rescale_.emplace_back(ctx.mod_down_rescale_converter(l), stream_);
  mod_up_targets_.resize(static_cast<std::size_t>(L) + 1);
  for (int l = 0; l <= L; ++l) {
    const std::vector<std::size_t> ext = ctx.extended_indices(l);
    extended_.push_back(cuda::LimbMap::dense(ext));
    for (int j = 0; j < ctx.digits_at_level(l); ++j) {
      const auto& targets = ctx.mod_up_step(l, j).target_limbs;
      std::vector<std::size_t> primes;
      for (std::size_t pos : targets) primes.push_back(ext[pos]);
      mod_up_targets_[l].push_back(cuda::LimbMap::of(targets, primes));
    }
  }
  auto constants = [](std::size_t count, auto w, auto ws) {
    HNN_REQUIRE(count <= cuda::poly::LimbScalars::kMax, "the CUDA backend takes at most ",
                cuda::poly::LimbScalars::kMax, " Q primes, this context has ", count);
    Constants c{};
    for (std::size_t i = 0; i < count; ++i) {
      c.w.value[i] = w(i);
      c.ws.value[i] = ws(i);
    }
    return c;
  };
  const std::size_t q_limbs = static_cast<std::size_t>(L) + 1;
  p_mod_q_ = constants(q_limbs, [&](std::size_t i) { return ctx.p_mod_q(i); },
                       [&](std::size_t i) { return ctx.p_mod_q_shoup(i); });
  p_inv_mod_q_ = constants(q_limbs, [&](std::size_t i) { return ctx.p_inv_mod_q(i); },
                           [&](std::size_t i) { return ctx.p_inv_mod_q_shoup(i); });
  for (int l = 1; l <= L; ++l) {
    const std::size_t below = static_cast<std::size_t>(l);  // the limbs under q_l
    inv_q_last_.push_back(constants(below, [&](std::size_t i) { return ctx.inv_q_last(l, i); },
                                    [&](std::size_t i) { return ctx.inv_q_last_shoup(l, i); }));
    pq_last_inv_.push_back(constants(below, [&](std::size_t i) { return ctx.pq_last_inv(l, i); },
                                     [&](std::size_t i) { return ctx.pq_last_inv_shoup(l, i); }));
  }
  const auto& rot = ctx.rot_group();
  rot_group_ = cuda::DeviceBuffer(rot.size() * sizeof(uint32_t), stream_);
  rot_group_.upload(rot.data(), rot_group_.size(), stream_);
  const auto& ksi = ctx.ksi_pows();  // std::complex<double> is two doubles, re then im
  ksi_pows_ = cuda::DeviceBuffer(ksi.size() * sizeof(std::complex<double>), stream_);
  ksi_pows_.upload(ksi.data(), ksi_pows_.size(), stream_);
  stream_.synchronize();
}

const uint32_t* DeviceContext::permutation(const std::vector<uint32_t>& host_perm) const {
  std::lock_guard<std::mutex> lock(perm_mutex_);
  auto it = perms_.find(&host_perm);
  if (it == perms_.end()) {
    (void)ctx_.galois_element_of(host_perm);  // first sight: it must be one of the context's own
    cuda::DeviceBuffer buf(host_perm.size() * sizeof(uint32_t), stream_);
    buf.upload(host_perm.data(), buf.size(), stream_);
    it = perms_.emplace(&host_perm, std::move(buf)).first;
  }
  return it->second.as<uint32_t>();
}

rns::RnsPoly DeviceContext::make_poly(std::size_t limbs, rns::Domain domain) const {
  return rns::RnsPoly(ctx_.n(), limbs, domain, rns::RnsPoly::Uninitialized{}, stream_);
}

}  // namespace hnn::ckks::gpu
