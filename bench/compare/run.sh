#!/usr/bin/env bash
# hnn vs Microsoft SEAL (seal-python wheel) and OpenFHE (openfhe wheel), single-threaded, same
# parameters, one run. Prints a markdown table (peer ms / hnn ms: > 1 means hnn is faster) and
# writes it with the raw JSON to bench/results/compare_<date>.{md,json}. See README.md.
#
# Usage: bench/compare/run.sh [--quick] [--no-openfhe] [--portable] [--reps N] [--cpu-time]
#   --quick       NTT (logN 15), Relinearize/n15, Rotate/n15 (+ Relinearize/Rotate n16 vs OpenFHE)
#   --no-openfhe  skip OpenFHE
#   --portable    hnn with HNN_SIMD=portable (its plain C++ loops), beside peer wheels built for
#                 plain x86-64 (the table's header gives each side's vector code)
#   --reps N      repetitions per figure (median; default 5, 3 with --quick)
#   --cpu-time    table of CPU time instead of wall clock (both are in the JSON either way)
# Env: HNN_BENCH_BIN (default build/bin/hnn-bench-ckks), PYTHON (for SEAL, default python3),
#      OPENFHE_PYTHON (a Python 3.10 for the openfhe wheel; found via PATH or pyenv otherwise).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${HNN_BENCH_BIN:-$ROOT/build/bin/hnn-bench-ckks}
VENV=$HERE/.venv
SEAL_PKGS=(seal-python==4.4.0 numpy==2.2.6)
OPENFHE_PKGS=(openfhe==1.6.1.0.22.4 numpy==2.2.6)

QUICK=0 OPENFHE=1 REPS="" METRIC=real
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1 ;;
    --no-openfhe) OPENFHE=0 ;;
    --portable) export HNN_SIMD=portable ;;
    --reps) REPS=$2; shift ;;
    --cpu-time) METRIC=cpu ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
REPS=${REPS:-$([[ $QUICK == 1 ]] && echo 3 || echo 5)}
MODE=$([[ $QUICK == 1 ]] && echo quick || echo full)

die() { echo "run.sh: error: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

# Single-threaded everywhere.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# ---- prerequisites ------------------------------------------------------------------------------
[[ -x $BIN ]] || die "hnn benchmark binary not found at $BIN.
  Build it first: scripts/test.sh (builds everything, Release), or
  cmake -S $ROOT -B $ROOT/build -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build --target hnn-bench-ckks"
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (needed for the SEAL wheel); set PYTHON=/path/to/python3"
"$PYTHON" -c 'import venv' 2>/dev/null || die "$PYTHON has no venv module (Debian: apt-get install python3-venv)"

# make_venv DIR PYTHON PKG... : create DIR if missing, install the pinned wheels (no source builds).
make_venv() {
  local dir=$1 py=$2; shift 2
  if [[ ! -x $dir/bin/python ]]; then
    note "creating virtual environment $dir ($("$py" --version 2>&1))"
    "$py" -m venv "$dir" || return 1
  fi
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: "$@"
}

note "SEAL: installing ${SEAL_PKGS[*]} into $VENV/seal"
make_venv "$VENV/seal" "$PYTHON" "${SEAL_PKGS[@]}" \
  || die "could not install ${SEAL_PKGS[*]} with $PYTHON (needs PyPI access and a CPython that has a seal-python wheel, e.g. 3.11)"

OPENFHE_SKIPPED=""
if [[ $OPENFHE == 1 ]]; then
  # The openfhe wheel is tagged py3-none-any but ships only a CPython 3.10 extension module.
  OFPY=${OPENFHE_PYTHON:-}
  if [[ -z $OFPY ]]; then
    for cand in python3.10 "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10; do
      if "$cand" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then OFPY=$cand; break; fi
    done
  fi
  if [[ -z $OFPY ]]; then
    OPENFHE_SKIPPED="no Python 3.10 found (the openfhe 1.6.1.0.22.4 wheel only contains a cpython-310 module); set OPENFHE_PYTHON"
  else
    note "OpenFHE: installing ${OPENFHE_PKGS[*]} into $VENV/openfhe"
    if ! make_venv "$VENV/openfhe" "$OFPY" "${OPENFHE_PKGS[@]}"; then
      OPENFHE_SKIPPED="pip install ${OPENFHE_PKGS[*]} failed"
    elif ! "$VENV/openfhe/bin/python" -c 'import openfhe' 2>/dev/null; then
      OPENFHE_SKIPPED="the openfhe wheel installed but does not import"
    fi
  fi
  if [[ -n $OPENFHE_SKIPPED ]]; then note "OpenFHE skipped: $OPENFHE_SKIPPED"; fi
else
  OPENFHE_SKIPPED="skipped with --no-openfhe"
fi

TMP=$(mktemp -d)
pid=""
trap 'if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$TMP"' EXIT

# ---- hnn ------------------------------------------------------------------------------------------
if [[ $QUICK == 1 ]]; then
  FILTER='^(BM_I?NTT/logN:15/limbs:1|(Relinearize|Rotate)/n15)$'
  if [[ -z $OPENFHE_SKIPPED ]]; then FILTER='^(BM_I?NTT/logN:15/limbs:1|(Relinearize|Rotate)/n1[56])$'; fi
else
  FILTER='^(BM_I?NTT/logN:1[56]/limbs:1|(HMultRelin|Relinearize|Rescale|Rotate|Rotate16Hoisted|Rotate16Sequential)/n1(5|5h|6))$'
fi
note "hnn: $BIN --benchmark_filter='$FILTER' (builds the key sets first; progress below)"
# hnn-bench-ckks has been seen to crash, or to spin forever, while exiting after it has written
# complete JSON: run it in the background and stop it 30 s after its JSON is complete.
json_ok() { "$VENV/seal/bin/python" -c 'import json, sys; assert json.load(open(sys.argv[1]))["benchmarks"]' "$1" 2>/dev/null; }
LINEBUF=(); if command -v stdbuf >/dev/null; then LINEBUF=(stdbuf -oL); fi  # live progress lines
"${LINEBUF[@]}" "$BIN" --benchmark_filter="$FILTER" --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true --benchmark_out="$TMP/hnn.json" --benchmark_out_format=json >&2 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 2
  if json_ok "$TMP/hnn.json"; then
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      note "warning: hnn-bench-ckks wrote complete JSON but has not exited after 30 s; stopping it (pid $pid)"
      kill "$pid"
    fi
    break
  fi
done
rc=0
wait "$pid" || rc=$?
pid=""
json_ok "$TMP/hnn.json" || die "hnn-bench-ckks failed (exit $rc) and wrote no complete benchmark JSON"
[[ $rc == 0 ]] || note "warning: hnn-bench-ckks exited with status $rc after writing complete JSON; using it"

# ---- SEAL -----------------------------------------------------------------------------------------
note "SEAL: seal_bench.py"
"$VENV/seal/bin/python" "$HERE/seal_bench.py" --reps "$REPS" $([[ $QUICK == 1 ]] && echo --quick) >"$TMP/seal.json" \
  || die "seal_bench.py failed"

# ---- OpenFHE --------------------------------------------------------------------------------------
if [[ -z $OPENFHE_SKIPPED ]]; then
  note "OpenFHE: openfhe_bench.py"
  "$VENV/openfhe/bin/python" "$HERE/openfhe_bench.py" --reps "$REPS" $([[ $QUICK == 1 ]] && echo --quick) \
    >"$TMP/openfhe.json" || { OPENFHE_SKIPPED="openfhe_bench.py failed"; note "OpenFHE: $OPENFHE_SKIPPED"; }
fi

# ---- table ----------------------------------------------------------------------------------------
peer=(--seal "$TMP/seal.json")
if [[ -z $OPENFHE_SKIPPED ]]; then peer+=(--openfhe "$TMP/openfhe.json"); else peer+=("--openfhe-skipped=$OPENFHE_SKIPPED"); fi
"$VENV/seal/bin/python" "$HERE/report.py" --hnn "$TMP/hnn.json" "${peer[@]}" --binary "$BIN" --repo "$ROOT" \
  --mode "$MODE" --metric "$METRIC" --out-dir "$ROOT/bench/results"
