#!/usr/bin/env bash
# hnn vs OpenFHE CKKS bootstrapping in one run, single-threaded: logN 16, full slots, level budget
# {3, 3}, 9 levels left. OpenFHE twice: under its 128-bit check (the largest moduli it accepts there
# keep 3 bits) and with the 59-bit moduli of its examples (no check). hnn twice too: with the
# kernels it picks for this CPU (AVX-512 IFMA where present) and with HNN_SIMD=portable, its plain
# C++ loops, since the openfhe wheel's libraries carry no AVX code (the table gives what objdump
# finds in them: timing.vector_code). Writes bench/results/compare_bootstrap_<date>.{md,json}.
# Usage: bench/compare/bootstrap.sh [--reps N]     (OpenFHE needs a Python 3.10; see run.sh)
# Env: HNN_BOOTSTRAP_BIN (default build/bin/hnn-bench-bootstrap), OPENFHE_PYTHON.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${HNN_BOOTSTRAP_BIN:-$ROOT/build/bin/hnn-bench-bootstrap}
REPS=3
[[ ${1:-} == --reps ]] && REPS=$2
export OMP_NUM_THREADS=1
[[ -x $BIN ]] || { echo "bootstrap.sh: build $BIN first (scripts/test.sh)" >&2; exit 1; }
OFPY=${OPENFHE_PYTHON:-$HERE/.venv/openfhe/bin/python}
[[ -x $OFPY ]] || { echo "bootstrap.sh: no OpenFHE Python at $OFPY: run bench/compare/run.sh once (it builds the venv) or set OPENFHE_PYTHON" >&2; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
stamp=$(date -u +%Y-%m-%d_%H%M%S)
commit=$(git -C "$ROOT" rev-parse --short HEAD)
# hnn_run OUT [VAR=VALUE...]: the full-slot n16 case, anchored (n16chain_logn14 and n16_real8192
# also start with "n16").
hnn_run() {
  local out=$1; shift
  echo "== hnn: ${*:+$* }$BIN --benchmark_filter='^BM_Bootstrap/n16/'" >&2
  env "$@" "$BIN" --benchmark_filter='^BM_Bootstrap/n16/' --benchmark_out="$out" --benchmark_out_format=json >&2
}
hnn_run "$TMP/hnn.json"
hnn_run "$TMP/hnn_portable.json" HNN_SIMD=portable
echo "== OpenFHE (128-bit check): openfhe_bootstrap.py --reps $REPS" >&2
"$OFPY" "$HERE/openfhe_bootstrap.py" --reps "$REPS" > "$TMP/openfhe.json"
echo "== OpenFHE (59-bit moduli, no security check): openfhe_bootstrap.py --reps $REPS --security none ..." >&2
"$OFPY" "$HERE/openfhe_bootstrap.py" --reps "$REPS" --security none --scale-bits 59 --first-bits 60 --dnum 3 > "$TMP/openfhe59.json"
out=$ROOT/bench/results/compare_bootstrap_$stamp
python3 - "$TMP/hnn.json" "$TMP/openfhe.json" "$TMP/openfhe59.json" "$out" "$commit" "$TMP/hnn_portable.json" "$HERE" <<'PY'
import json, platform, subprocess, sys
sys.path.insert(0, sys.argv[7])
from timing import hnn_kernels
hnn = json.load(open(sys.argv[1])); of = json.load(open(sys.argv[2])); of59 = json.load(open(sys.argv[3]))
out, commit = sys.argv[4], sys.argv[5]
hnn_p = json.load(open(sys.argv[6]))
n16 = lambda run: [x for x in run["benchmarks"] if x["name"].startswith("BM_Bootstrap/n16/")][0]
b, bp = n16(hnn), n16(hnn_p)
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p' | head -1"], capture_output=True, text=True).stdout.strip()
bits = lambda r: f'{r["precision_mean_bits"]:.2f} / {r["precision_min_bits"]:.2f}'
rows = [  # (what, hnn, hnn portable, OpenFHE, OpenFHE 59-bit)
    ("bootstrap time (wall, one thread)", f'{b["real_time"]:.1f} s', f'{bp["real_time"]:.1f} s',
     f'{of["bootstrap_s"]:.1f} s', f'{of59["bootstrap_s"]:.1f} s'),
    ("first bootstrap of the process", f'{b["first_bootstrap_s"]:.1f} s', f'{bp["first_bootstrap_s"]:.1f} s', "", ""),
    ("precision mean / min (bits)", bits(b), bits(bp), bits(of), bits(of59)),
    ("security", "128-bit (log QP 1749)", "same", of["security"], of59["security"]),
    ("moduli", "q0 60, 40-bit user levels", "same", f'first {of["first_bits"]}, scaling {of["scale_bits"]}, dnum {of["dnum"]}',
     f'first {of59["first_bits"]}, scaling {of59["scale_bits"]}, dnum {of59["dnum"]}'),
    ("kernels / vector code", hnn_kernels(hnn), hnn_kernels(hnn_p), of.get("vector_code", "?"), "same wheel"),
    ("input", "random complex, |x| <= 1", "same", "random real in [-1, 1]", "random real in [-1, 1]"),
    ("levels left", f'{int(b["levels_left"])}', f'{int(bp["levels_left"])}', f'{of["levels_left_measured"]}',
     f'{of59["levels_left_measured"]}'),
    ("slots", f'{int(b["slots"])}', f'{int(bp["slots"])}', f'{of["slots"]}', f'{of59["slots"]}'),
]
md = [f"# CKKS bootstrapping: hnn vs OpenFHE {of['version']} (logN 16, full slots)", "",
      f"Date {out.split('_', 2)[-1]}, commit {commit}, {cpu}, {platform.node()}, one thread, same run.", "",
      "| | hnn | hnn, portable kernels | OpenFHE, 128-bit check | OpenFHE, 59-bit moduli |",
      "|---|---:|---:|---:|---:|"] + ["| " + " | ".join(r) + " |" for r in rows]
md += ["", f"hnn: {b['label']}; stage shares: ModRaise {b['share_mod_raise']:.2f}, CoeffToSlot {b['share_coeff_to_slot']:.2f}, "
       f"EvalMod {b['share_eval_mod']:.2f}, SlotToCoeff {b['share_slot_to_coeff']:.2f}; {int(b['keys'])} keys, "
       f"{b['key_MB']/1e3:.2f} GB; precomputed plaintexts {b['plaintext_MB']/1e3:.2f} GB. Both hnn runs are one "
       "timed bootstrap after an untimed one.",
       f"OpenFHE: depth {of['depth']}, level budget {of['level_budget']}, first modulus {of['first_bits']} bits, scaling moduli {of['scale_bits']} bits, numLargeDigits {of['dnum']}, FLEXIBLEAUTO, "
       f"median of {len(of['samples_s'])} bootstraps {[round(x, 1) for x in of['samples_s']]} s, setup {of['setup_s']:.0f} s; "
       f"59-bit: {[round(x, 1) for x in of59['samples_s']]} s, setup {of59['setup_s']:.0f} s."]
open(out + ".md", "w").write("\n".join(md) + "\n")
json.dump({"hnn": hnn, "hnn_portable": hnn_p, "openfhe": of, "openfhe_59": of59}, open(out + ".json", "w"), indent=1)
print("\n".join(md)); print(f"recorded {out}.md", file=sys.stderr)
PY
