#!/usr/bin/env python3
"""Times OpenFHE's CKKS operations through the openfhe wheel; prints JSON (milliseconds).

Parameter set n16 (same shape as hnn's n16): ring dimension 2^16, multiplicative depth 23 ->
24 Q primes (first 60 bits, scaling 40 bits), HYBRID key switching with numLargeDigits = 3
(OpenFHE then picks the P primes itself; the script checks how many from the size of the
serialized relinearization key), FIXEDMANUAL scaling (EvalMult does not rescale),
HEStd_128_classic. OMP_NUM_THREADS=1 (set before the import) keeps OpenFHE on one thread.
Each figure is the median of --reps samples after one warm-up call.
"""
import argparse
import importlib.metadata
import json
import math
import os
import sys

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_v] = "1"

import openfhe as fhe  # noqa: E402
from timing import measure, minus, vector_code  # noqa: E402

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="only Relinearize and Rotate")
    args = ap.parse_args()

    p = fhe.CCParamsCKKSRNS()
    p.SetRingDim(1 << 16)
    p.SetMultiplicativeDepth(23)
    p.SetScalingModSize(40)
    p.SetFirstModSize(60)
    p.SetNumLargeDigits(3)
    p.SetKeySwitchTechnique(fhe.HYBRID)
    p.SetScalingTechnique(fhe.FIXEDMANUAL)
    p.SetSecurityLevel(fhe.HEStd_128_classic)
    p.SetBatchSize(1 << 15)
    cc = fhe.GenCryptoContext(p)
    for feature in (fhe.PKE, fhe.KEYSWITCH, fhe.LEVELEDSHE):
        cc.Enable(feature)

    steps = [1] if args.quick else list(range(1, 17))
    print(f"OpenFHE n16: keygen (relin + {len(steps)} rotation keys) ...", file=sys.stderr, flush=True)
    kp = cc.KeyGen()
    cc.EvalMultKeyGen(kp.secretKey)
    cc.EvalRotateKeyGen(kp.secretKey, steps)
    n = cc.GetRingDimension()
    # Limbs of Q*P per key-switching key, from the serialized relinearization key's size.
    key_bytes = len(fhe.SerializeEvalMultKeyString(fhe.BINARY, ""))
    qp_limbs = round(key_bytes / (3 * 2 * n * 8))

    pt = cc.MakeCKKSPackedPlaintext([0.5] * (n // 2))
    a = cc.Encrypt(kp.publicKey, pt)
    b = cc.Encrypt(kp.publicKey, pt)
    prod3 = cc.EvalMultNoRelin(a, b)  # 3-component product, made outside the timed region
    prod = cc.EvalMult(a, b)  # relinearized, noise-scale degree 2: a valid input for Rescale
    m = cc.GetCyclotomicOrder()

    def hoisted16():
        digits = cc.EvalFastRotationPrecompute(a)
        return [cc.EvalFastRotation(a, s, m, digits) for s in range(1, 17)]

    ops = [
        ("HMultRelin", lambda: cc.EvalMult(a, b), None, "EvalMult (tensor + relinearize, FIXEDMANUAL: no rescale)"),
        ("Relinearize", lambda: cc.RelinearizeInPlace(prod3.Clone()), lambda: prod3.Clone(),
         "RelinearizeInPlace on a Clone of a 3-component product; clone time subtracted"),
        ("Rescale", lambda: cc.Rescale(prod), None, "Rescale of a 2-component top-level ciphertext"),
        ("Rotate", lambda: cc.EvalRotate(a, 1), None, "EvalRotate(ct, 1)"),
        ("Rotate16Hoisted", hoisted16, None,
         "EvalFastRotationPrecompute + 16 x EvalFastRotation, steps 1..16"),
        ("Rotate16Sequential", lambda: [cc.EvalRotate(a, s) for s in range(1, 17)], None,
         "16 x EvalRotate, steps 1..16"),
    ]
    if args.quick:
        ops = [o for o in ops if o[0] in ("Relinearize", "Rotate")]

    results = []
    for name, fn, subtract, note in ops:
        r = measure(fn, args.reps)
        if subtract is not None:
            r = minus(r, measure(subtract, args.reps))
        r.update(key=f"{name}/n16", note=note)
        results.append(r)
        print(f"  OpenFHE {name}/n16: {r['ms']:.3f} ms", file=sys.stderr, flush=True)

    json.dump({
        "library": "OpenFHE",
        "package": "openfhe " + importlib.metadata.version("openfhe"),
        "python": sys.version.split()[0],
        "vector_code": vector_code(fhe),
        "threads": 1,
        "timer": "median; ms = time.perf_counter (wall), cpu_ms = time.process_time",
        "reps": args.reps,
        "params": {"n16": {
            "ring_dim": n, "multiplicative_depth": 23, "first_mod_size": 60, "scaling_mod_size": 40,
            "q_limbs": 24, "log2_Q": round(math.log2(cc.GetModulus()), 1),
            "num_large_digits": 3, "key_switching": "HYBRID", "qp_limbs_per_key": qp_limbs,
            "p_limbs": qp_limbs - 24, "scaling": "FIXEDMANUAL", "security": "HEStd_128_classic"}},
        "ntt_exposed": "no: the Python wrapper does not expose OpenFHE's NTT (DCRTPoly has no methods)",
        "results": results,
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
