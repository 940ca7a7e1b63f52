#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan), writes the seed corpus, and runs every
# target for SECONDS seconds (default 60) on its own corpus. Stops at the first failure, leaving
# the input that caused it in BUILD_DIR (crash-*, leak-*, oom-*, timeout-*) beside the target's log.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (BUILD_DIR, CORPUS, JOBS override the defaults)
#   TARGET: parameters plaintext ciphertext public-key relin-key galois-keys secret-key
#           encapsulation-keys key-part bootstrap-keys protocol (all of them when none is given)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
BUILD_DIR=${BUILD_DIR:-build-fuzz}
CORPUS=${CORPUS:-$BUILD_DIR/corpus}
JOBS=${JOBS:-$(nproc)}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(parameters plaintext ciphertext public-key relin-key galois-keys secret-key
           encapsulation-keys key-part bootstrap-keys protocol)
fi
command -v clang++ > /dev/null || { echo "fuzz/run.sh: needs clang++ (apt-get install clang)" >&2; exit 2; }

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHNN_BUILD_FUZZERS=ON \
  -DHNN_CUDA=OFF -DHNN_BUILD_TESTS=OFF -DHNN_BUILD_BENCHMARKS=OFF -DHNN_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target hnn-fuzz-make-seeds "${TARGETS[@]/#/hnn-fuzz-}"
"$BUILD_DIR/bin/hnn-fuzz-make-seeds" "$CORPUS"

for t in "${TARGETS[@]}"; do
  mkdir -p "$CORPUS/$t"
  echo "== hnn-fuzz-$t, ${SECONDS_EACH} s"
  log="$BUILD_DIR/fuzz-$t.log"
  # -rss_limit_mb: a deserializer must refuse what it cannot hold, not allocate it.
  rc=0
  "$BUILD_DIR/bin/hnn-fuzz-$t" "$CORPUS/$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
    -artifact_prefix="$BUILD_DIR/" -print_final_stats=1 > "$log" 2>&1 || rc=$?
  grep -E "DONE +cov:|^stat::peak_rss_mb" "$log" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log"
    echo "hnn-fuzz-$t failed (exit $rc); log $log, the input in $BUILD_DIR/" >&2
    exit 1
  fi
done
echo "fuzz: ${#TARGETS[@]} targets, ${SECONDS_EACH} s each, no failure"
