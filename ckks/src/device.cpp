#include "hnn/ckks/device.h"

#include "gpu/device_context.h"
#include "hnn/rns/error.h"

namespace hnn::ckks {

using rns::RnsPoly;

namespace {

const cuda::Stream& stream_on(const ContextPtr& ctx, rns::Device device) {
  HNN_REQUIRE(ctx != nullptr, "to_device: the object has no context (it is empty)");
  HNN_REQUIRE(device.is_cuda(), "to_device needs a CUDA device (rns::Device::cuda(i) or cuda_emulated()), not ",
              device.name(), ": use to_host to bring objects back");
  return ctx->device_context(device).stream();
}

// A host copy, from wherever the polynomial lives.
RnsPoly host_copy(const RnsPoly& p) { return p.on_device() ? p.to_host() : p.clone(); }

std::vector<RnsPoly> polys_to_device(const std::vector<RnsPoly>& polys, const cuda::Stream& s) {
  std::vector<RnsPoly> out;
  out.reserve(polys.size());
  for (const RnsPoly& p : polys) out.push_back(p.to_device(s));
  return out;
}

std::vector<RnsPoly> polys_to_host(const std::vector<RnsPoly>& polys) {
  std::vector<RnsPoly> out;
  out.reserve(polys.size());
  for (const RnsPoly& p : polys) out.push_back(host_copy(p));
  return out;
}

}  // namespace

Ciphertext to_device(const Ciphertext& ct, rns::Device device) {
  HNN_REQUIRE(ct.device().is_cpu(), "to_device: the ciphertext is already on ", ct.device().name());
  const cuda::Stream& s = stream_on(ct.context(), device);
  return Ciphertext(ct.context(), polys_to_device(ct.polys(), s), ct.scale(), ct.slots());
}

Plaintext to_device(const Plaintext& pt, rns::Device device) {
  HNN_REQUIRE(pt.device().is_cpu(), "to_device: the plaintext is already on ", pt.device().name());
  const cuda::Stream& s = stream_on(pt.context(), device);
  return Plaintext(pt.context(), pt.poly().to_device(s), pt.scale(), pt.slots());
}

SwitchingKey to_device(const SwitchingKey& key, rns::Device device) {
  HNN_REQUIRE(key.digits() > 0 && !key.b(0).on_device(), "to_device: the switching key is empty or already on a device");
  const cuda::Stream& s = stream_on(key.context(), device);
  std::vector<RnsPoly> b, a;
  for (std::size_t j = 0; j < key.digits(); ++j) {
    b.push_back(key.b(j).to_device(s));
    a.push_back(key.a(j).to_device(s));
  }
  SwitchingKey out(key.context(), std::move(b), std::move(a), key.max_level());
  if (key.a_seed()) out.set_a_seed(*key.a_seed());  // the same a-parts, on the device
  return out;
}

RelinKey to_device(const RelinKey& key, rns::Device device) { return RelinKey(to_device(key.key(), device)); }

GaloisKeys to_device(const GaloisKeys& keys, rns::Device device) {
  GaloisKeys out(keys.context());
  for (const auto& [elt, key] : keys.keys()) out.insert(elt, to_device(key, device));
  return out;
}

Ciphertext to_host(const Ciphertext& ct) {
  return Ciphertext(ct.context(), polys_to_host(ct.polys()), ct.scale(), ct.slots());
}

Plaintext to_host(const Plaintext& pt) { return Plaintext(pt.context(), host_copy(pt.poly()), pt.scale(), pt.slots()); }

SwitchingKey to_host(const SwitchingKey& key) {
  std::vector<RnsPoly> b, a;
  for (std::size_t j = 0; j < key.digits(); ++j) {
    b.push_back(host_copy(key.b(j)));
    a.push_back(host_copy(key.a(j)));
  }
  SwitchingKey out(key.context(), std::move(b), std::move(a), key.max_level());
  if (key.a_seed()) out.set_a_seed(*key.a_seed());  // the same a-parts, on the device
  return out;
}

void synchronize(const Context& ctx, rns::Device device) {
  if (device.is_cuda()) ctx.device_context(device).stream().synchronize();
}

bool device_available(rns::Device device) {
  if (device.is_cpu()) return true;
  if (!cuda::built_with_cuda()) return false;
  if (device.kind == rns::Device::Kind::CudaEmulated) return true;
  return device.index >= 0 && device.index < cuda::device_count();
}

}  // namespace hnn::ckks
