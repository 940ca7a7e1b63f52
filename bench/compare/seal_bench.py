#!/usr/bin/env python3
"""Times Microsoft SEAL's CKKS operations through the seal-python wheel; prints JSON (milliseconds).

Parameter sets (see README.md):
  n15  logN 15, CoeffModulus::BFVDefault(32768) = 15 x 55-bit Q + one 56-bit special prime (881 bits),
       SEAL key switching = one digit per Q prime (dnum 15). Same shape as hnn's "n15".
  n16  logN 16, 60 + 23 x 40-bit Q + one 60-bit special prime (1040 bits, dnum 24). NOT hnn's n16
       shape (hnn: 6 x 60-bit P, dnum 3): SEAL supports a single special prime only.
  ntt  one limb (one 55-bit prime) at logN 15 and 16, through Evaluator.transform_{to,from}_ntt.

Each figure is the median of --reps samples after one warm-up call; a sample of a fast operation
loops it enough times to last >= 50 ms. SEAL runs each operation on one thread.
"""
import argparse
import importlib.metadata
import json
import os
import sys

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_v] = "1"

import seal  # noqa: E402
from timing import measure, minus, vector_code  # noqa: E402

SCALE = 2.0**40


class World:
    """Context, keys and two fresh top-level ciphertexts for one parameter set."""

    def __init__(self, log_n, coeff_modulus, sec_level, rotation_steps):
        n = 1 << log_n
        parms = seal.EncryptionParameters(seal.scheme_type.ckks)
        parms.set_poly_modulus_degree(n)
        parms.set_coeff_modulus(coeff_modulus)
        self.ctx = seal.SEALContext(parms, True, sec_level)
        if not self.ctx.parameters_set():
            raise RuntimeError("SEAL rejected the parameters: " + self.ctx.parameter_error_message())
        keygen = seal.KeyGenerator(self.ctx)
        self.ev = seal.Evaluator(self.ctx)
        enc = seal.CKKSEncoder(self.ctx)
        encryptor = seal.Encryptor(self.ctx, keygen.secret_key())
        pt = enc.encode([0.5] * enc.slot_count(), SCALE)
        self.a = encryptor.encrypt_symmetric(pt)
        self.b = encryptor.encrypt_symmetric(pt)
        self.rk = None
        self.gk = None
        if self.ctx.using_keyswitching():
            self.rk = keygen.create_relin_keys()
            if rotation_steps:
                self.gk = seal.GaloisKeys()
                keygen.create_galois_keys(rotation_steps, self.gk)  # rotation steps -> Galois keys
        self.limbs = self.a.coeff_modulus_size()


def bench_ntt(log_n, reps):
    """Forward / inverse negacyclic NTT of one 55-bit limb (SEAL's ntt_negacyclic_harvey).

    A one-prime context gives a 2-polynomial, 1-limb ciphertext. SEAL only exposes the NTT on whole
    ciphertexts (transform_to_ntt_inplace refuses one already in NTT form), so:
      pair   = to_ntt + from_ntt in place          = 2 F + 2 I
      copyfw = copy of a coefficient-form ct + to_ntt = C + 2 F,  copy = C
    F = (copyfw - copy) / 2,  I = (pair - 2 F) / 2.
    """
    # SEAL's security table stops at N = 32768: a 55-bit modulus at N = 65536 needs sec_level none.
    sec = seal.sec_level_type.tc128 if log_n <= 15 else seal.sec_level_type.none
    w = World(log_n, seal.CoeffModulus.Create(1 << log_n, [55]), sec, None)
    ev = w.ev
    coeff = ev.transform_from_ntt(w.a)  # 2 polys x 1 limb, coefficient form
    work = seal.Ciphertext(coeff)

    def pair():
        ev.transform_to_ntt_inplace(work)
        ev.transform_from_ntt_inplace(work)

    def copy_fwd():
        c = seal.Ciphertext(coeff)
        ev.transform_to_ntt_inplace(c)

    def copy_only():
        seal.Ciphertext(coeff)

    pair_t = measure(pair, reps)
    fwd = minus(measure(copy_fwd, reps), measure(copy_only, reps), 0.5)  # per polynomial
    inv = minus(pair_t, {"ms": 2 * fwd["ms"], "cpu_ms": 2 * fwd["cpu_ms"]}, 0.5)
    return [
        dict(fwd, key=f"NTT/logN:{log_n}", note="forward, one 55-bit limb: (copy + 2 fwd - copy) / 2"),
        dict(inv, key=f"INTT/logN:{log_n}", note="inverse, one 55-bit limb: (2 fwd + 2 inv - 2 fwd) / 2"),
    ]


def bench_set(name, w, ops, reps):
    ev, a, b, rk, gk = w.ev, w.a, w.b, w.rk, w.gk
    out = []

    def add(op, fn, note="", subtract=None):
        r = measure(fn, reps)
        if subtract is not None:
            r = minus(r, measure(subtract, reps))
        r.update(key=f"{op}/{name}", note=note)
        out.append(r)
        print(f"  SEAL {op}/{name}: {r['ms']:.3f} ms", file=sys.stderr, flush=True)

    if "HMultRelin" in ops:
        add("HMultRelin", lambda: ev.relinearize_inplace(ev.multiply(a, b), rk),
            "multiply + relinearize_inplace, top level, no rescale")
    if "Relinearize" in ops:
        prod = ev.multiply(a, b)  # 3-component product, made outside the timed region
        add("Relinearize", lambda: ev.relinearize_inplace(seal.Ciphertext(prod), rk),
            "relinearize_inplace on a copy of a 3-component product; copy time subtracted",
            subtract=lambda: seal.Ciphertext(prod))
    if "Rescale" in ops:
        add("Rescale", lambda: ev.rescale_to_next(a), "rescale_to_next of a fresh top-level ciphertext")
    if "Rotate" in ops:
        add("Rotate", lambda: ev.rotate_vector(a, 1, gk), "rotate_vector(ct, 1, galois_keys)")
    if "Rotate16Sequential" in ops:
        add("Rotate16Sequential", lambda: [ev.rotate_vector(a, s, gk) for s in range(1, 17)],
            "16 x rotate_vector, steps 1..16 (SEAL has no hoisted rotation API)")
    return out


def serialization_version():
    """SEAL version (major.minor) from the header of a serialized object."""
    p = seal.EncryptionParameters(seal.scheme_type.ckks)
    hdr = p.to_bytes(seal.compr_mode_type.none)
    return f"{hdr[3]}.{hdr[4]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only NTT logN 15, Relinearize/n15, Rotate/n15")
    ap.add_argument("--sets", default="ntt,n15,n16", help="comma list of ntt, n15, n16")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    sets = args.sets.split(",")
    all_ops = ["HMultRelin", "Relinearize", "Rescale", "Rotate", "Rotate16Sequential"]
    results = []
    params = {}
    if "ntt" in sets:
        for log_n in ([15] if args.quick else [15, 16]):
            print(f"SEAL NTT logN {log_n} ...", file=sys.stderr, flush=True)
            results += bench_ntt(log_n, args.reps)
    if "n15" in sets:
        ops = ["Relinearize", "Rotate"] if args.quick else all_ops
        steps = list(range(1, 17)) if "Rotate16Sequential" in ops else [1]
        print(f"SEAL n15: keygen ({len(steps)} Galois keys) ...", file=sys.stderr, flush=True)
        w = World(15, seal.CoeffModulus.BFVDefault(32768), seal.sec_level_type.tc128, steps)
        params["n15"] = {"logN": 15, "coeff_modulus_bits": [m.bit_count() for m in seal.CoeffModulus.BFVDefault(32768)],
                         "special_primes": 1, "dnum": w.limbs, "data_limbs": w.limbs, "scale": "2^40",
                         "sec_level": "tc128"}
        results += bench_set("n15", w, ops, args.reps)
        del w
    if "n16" in sets and not args.quick:
        bits = [60] + [40] * 23 + [60]
        # 16 Galois keys at this size would take ~10 GB (24 digits x 2 x 25 limbs x 2^16 x 8 B each):
        # only the step-1 key is made, so no Rotate16Sequential here.
        print("SEAL n16: keygen (1 Galois key) ...", file=sys.stderr, flush=True)
        w = World(16, seal.CoeffModulus.Create(65536, bits), seal.sec_level_type.none, [1])
        params["n16"] = {"logN": 16, "coeff_modulus_bits": bits, "special_primes": 1, "dnum": w.limbs,
                         "data_limbs": w.limbs, "scale": "2^40",
                         "sec_level": "none passed to SEAL (its table stops at N=32768); 1040 bits < 1772-bit HE-standard bound"}
        results += bench_set("n16", w, ["HMultRelin", "Relinearize", "Rescale", "Rotate"], args.reps)
        del w

    json.dump({
        "library": "Microsoft SEAL",
        "package": "seal-python " + importlib.metadata.version("seal-python"),
        "seal_version": serialization_version(),
        "vector_code": vector_code(seal),
        "threads": 1,
        "timer": "median; ms = time.perf_counter (wall), cpu_ms = time.process_time",
        "reps": args.reps,
        "params": params,
        "ntt_exposed": "yes: Evaluator.transform_to_ntt/transform_from_ntt on ciphertexts (2 polys per call)",
        "results": results,
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
