// Ciphertexts, plaintexts and evaluation keys on a CUDA device.
//
// The Evaluator runs an operation on the device its operands live on: move a ciphertext, the
// plaintexts it meets and the keys it needs with to_device, evaluate as usual, and bring the
// result back with to_host (or decrypt it: the Decryptor copies it back itself). Operands on
// different devices are refused with a message that says which to move. Operations on one device
// are queued on that device's stream of the context (asynchronous to the host); to_host and
// synchronize wait for them. Encoding, encryption and decryption stay on the host; secret keys
// never go to a device.
//
// rns::Device::cuda(i) is GPU i; rns::Device::cuda_emulated() runs the same CUDA backend code with
// its kernels' per-thread bodies on the host (tests of the GPU paths without a GPU).
#pragma once
#include "hnn/ckks/ciphertext.h"
#include "hnn/ckks/keys.h"

namespace hnn::ckks {

Ciphertext to_device(const Ciphertext& ct, rns::Device device);
Plaintext to_device(const Plaintext& pt, rns::Device device);
SwitchingKey to_device(const SwitchingKey& key, rns::Device device);
RelinKey to_device(const RelinKey& key, rns::Device device);
GaloisKeys to_device(const GaloisKeys& keys, rns::Device device);

Ciphertext to_host(const Ciphertext& ct);
Plaintext to_host(const Plaintext& pt);
SwitchingKey to_host(const SwitchingKey& key);

// Waits until every operation queued for `ctx` on `device` has finished.
void synchronize(const Context& ctx, rns::Device device);
// Whether `device` is usable here: the emulated device always is (in a build with the CUDA
// backend), a GPU when present.
bool device_available(rns::Device device);

}  // namespace hnn::ckks
