#!/usr/bin/env bash
# Runs the CPU benchmarks and records them under bench/results/ as Google Benchmark JSON, with the
# machine, date, commit and thread count in its context block.
# Usage: bench/record.sh [threads] [extra hnn-bench-ckks flags, e.g. --benchmark_filter=NTT]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-1}
shift || true
bin=build/bin/hnn-bench-ckks
[ -x "$bin" ] || { echo "build first: scripts/test.sh (or cmake --build build --target hnn-bench-ckks)" >&2; exit 1; }
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- rns ntt ckks bench || echo "-dirty")
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
out=bench/results/cpu_$(date -u +%Y-%m-%d)_${commit}_t${threads}.json
"$bin" --threads="$threads" --benchmark_out="$out" --benchmark_out_format=json \
  --benchmark_context=commit="$commit" --benchmark_context=cpu_model="$cpu" \
  --benchmark_context=cores="$(nproc)" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@"
echo "recorded $out"
