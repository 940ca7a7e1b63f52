#!/usr/bin/env bash
# Prepares one GPU lease's checks (../.library/device). The device machine has nvcc and a driver but
# none of hnn's Debian packages and no network, so the gpu suite, hnn-bench-cuda,
# hnn-bench-bootstrap and hnn-distilbert are built here for sm_90 and packed, with the shared
# libraries they load, into build-gpu/bundle (run.sh and one xz archive).
#
# A session gets 15 minutes of device time in all, the machine's start (a minute or more)
# included, and a command at most 10 minutes. So the whole check is one call, `run.sh all`, which
# runs the stages most wanted first, each under a global deadline (BUDGET seconds, 540 by
# default), and skips, with a line saying so, what no longer fits:
#   1. the gpu suite, poisoned buffers, a wait after each kernel (issue 3: "done when" it passes)
#   2. compute-sanitizer memcheck on a subset of it              (issue 3)
#   3. hnn-bench-cuda: NTT, ModUp/ModDown, key switch, HMult, rotate, rescale   (issue 3's table)
#   4. hnn-bench-bootstrap's BM_CudaBootstrap cases              (issue 4's GPU timing)
#   5. the tiny DistilBERT on the GPU, hnn-server on the GPU with hnn-client over loopback, then
#      the shipped model at logN 16 when it travelled (issue 6)
#   6. compute-sanitizer racecheck on the NTT (logN <= 13)       (issue 3)
# The tool sends the working tree with every call, 64 MiB at most with what `carry` names, and the
# tracked tree alone is about 63 MiB (the shipped model 43 MiB, MNIST 11 MiB). So a lease goes:
#   scripts/gpu_bundle.sh            # here: build, pack, report the sizes
#   scripts/gpu_tree.sh slim         # here: the shipped model and MNIST out of the index for a while
#   run(carry=["build-gpu/bundle", "models/distilbert/model/model.safetensors"],
#       command="build-gpu/bundle/run.sh all", timeout_s=580)
#   give_back                        # unless rerunning at once
#   scripts/gpu_tree.sh restore      # here: back in the index, byte for byte as they were
# What comes back is at most 8 files: summary.txt (every step's exit status and seconds),
# tests.log, sanitizer.log, bench.log, bench_cuda.json, bench_bootstrap_cuda.json, distilbert.log.
# Single stages (tests, bench, distilbert) stay available for a second call.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD=build-gpu
bins=(test_gpu hnn-bench-cuda hnn-bench-bootstrap hnn-distilbert hnn-server hnn-client)
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHNN_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DHNN_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}" --target "${bins[@]}"
B="$BUILD/bundle"
stage="$BUILD/bundle-files"
rm -rf "$B" "$stage" && mkdir -p "$B" "$stage/lib/cxx"
cp "$BUILD/tests/test_gpu" "$BUILD/bin/hnn-bench-cuda" "$BUILD/bin/hnn-bench-bootstrap" "$BUILD/bin/hnn-distilbert" \
  "$BUILD/bin/hnn-server" "$BUILD/bin/hnn-client" "$stage/"
for b in "${bins[@]}"; do strip "$stage/$b"; done
# Every shared library they load but the C runtime's own; libstdc++ and libgcc apart (lib/cxx),
# used only when the device image's own are older than the ones they were built with.
libs=$(for b in "${bins[@]}"; do ldd "$stage/$b" | awk '/=> \// {print $3}'; done | sort -u)
grep -vE '/(libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' <<< "$libs" | xargs -r cp -L -t "$stage/lib"
grep -E '/(libstdc\+\+|libgcc_s)\.so' <<< "$libs" | xargs -r cp -L -t "$stage/lib/cxx"
# pair.sh BIN MODEL PARAMS DEVICE SENTENCE: hnn-server --once evaluating on DEVICE, and hnn-client
# over loopback; exits 0 when both did.
cat > "$stage/pair.sh" <<'PAIR'
#!/usr/bin/env bash
set -u
bin=$1 model=$2 params=$3 device=$4 sentence=$5
log=$(mktemp)
"$bin/hnn-server" --once --port 0 --model "$model" --device "$device" > "$log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; rm -f "$log"' EXIT
port=
for _ in $(seq 1 1200); do
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$log")
  [ -n "$port" ] && break
  kill -0 $spid 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then echo "hnn-server did not start:"; cat "$log"; exit 3; fi
"$bin/hnn-client" --host 127.0.0.1 --port "$port" --model "$model" --params "$params" --flood-sigma 0 "$sentence"
client=$?
wait $spid
server=$?
echo "--- hnn-server (exit $server)"
cat "$log"
[ $client -eq 0 ] && [ $server -eq 0 ]
PAIR
chmod +x "$stage/pair.sh"
tar -C "$stage" -cJf "$B/hnn.tar.xz" .
commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo "+dirty")
cat > "$B/run.sh" <<RUN
#!/usr/bin/env bash
# Bundled at $commit on $(date -u +%F). Run from the repository root of the device machine's copy:
#   run.sh all          every stage below, most wanted first, within BUDGET seconds (default 540)
#   run.sh tests        the gpu suite (poisoned buffers), memcheck on a subset, racecheck on the NTT
#   run.sh bench        hnn-bench-cuda and the GPU bootstrap benchmark
#   run.sh distilbert   the tiny DistilBERT on the GPU and the machine's CPU (fresh keys each: the
#                       same decision, not the same bits), then the shipped model at logN 16 on the
#                       GPU when models/distilbert/model/model.safetensors travelled (carry it)
#   run.sh base         the shipped model widened to DistilBERT-base's shapes, 128 tokens, on the GPU
#   run.sh agreement    200 SST-2 dev sentences (<= 32 tokens) encrypted on the GPU against the
#                       plaintext model; resumes from agreement_gpu.jsonl beside this script
# Results under \$OUT (at most 8 files): summary.txt first.
set -uo pipefail
t_start=\$(date +%s)
budget=\${BUDGET:-540}
here=\$(cd "\$(dirname "\$0")" && pwd)
out=\${OUT:-\$here/out}
mkdir -p "\$out"
bin=/tmp/hnn-bundle
rm -rf "\$bin" && mkdir -p "\$bin" && tar -C "\$bin" -xJf "\$here/hnn.tar.xz" || { echo "cannot unpack the bundle" >&2; exit 3; }
export LD_LIBRARY_PATH="\$bin/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
if ldd "\$bin/test_gpu" | grep -q "not found"; then export LD_LIBRARY_PATH="\$bin/lib/cxx:\$LD_LIBRARY_PATH"; fi
threads=\$(nproc)
{ echo "bundle $commit, stage \${1:-none}, budget \$budget s, \$threads host threads"; nvidia-smi; } > "\$out/summary.txt" 2>&1
# compute-sanitizer: on the PATH, else beside nvcc or in the toolkit's usual place.
sanitizer=\$(command -v compute-sanitizer || true)
for d in "\$(dirname "\$(command -v nvcc || echo /nonexistent/nvcc)")" /usr/local/cuda/bin /opt/cuda/bin; do
  [ -z "\$sanitizer" ] && [ -x "\$d/compute-sanitizer" ] && sanitizer=\$d/compute-sanitizer
done
echo "compute-sanitizer: \${sanitizer:-not found}" >> "\$out/summary.txt"
# step LOG LIMIT CMD...: runs CMD with its output appended to LOG, for at most LIMIT seconds and
# never past the deadline (a few seconds kept for the summary); skipped when under 15 s are left.
step() {
  local log=\$1 limit=\$2; shift 2
  local left=\$((budget - (\$(date +%s) - t_start) - 5))
  [ "\$left" -lt "\$limit" ] && limit=\$left
  if [ "\$limit" -lt 15 ]; then echo "SKIPPED (no time left): \$*" | tee -a "\$out/summary.txt"; return; fi
  echo "=== \$* (limit \$limit s)" >> "\$out/\$log"
  local t0=\$(date +%s)
  timeout "\$limit" "\$@" >> "\$out/\$log" 2>&1
  local rc=\$?
  echo "rc=\$rc \$((\$(date +%s) - t0)) s (\$log): \$*" | tee -a "\$out/summary.txt"
}
tests() {
  step tests.log 200 env HNN_CUDA_POISON=1 HNN_CUDA_SYNC=1 "\$bin/test_gpu"
  # A suite that skipped on a GPU machine is not a pass: the counts go into the summary.
  # gtest's closing summary repeats the names without a time: count the per-test lines only.
  count() { grep -c "^\\[\$1\\] .* ([0-9]* ms)\$" "\$out/tests.log" 2>/dev/null; }
  echo "gpu suite: \$(count '       OK ') passed, \$(count '  SKIPPED ') skipped, \$(count '  FAILED  ') failed" | tee -a "\$out/summary.txt"
  [ -n "\$sanitizer" ] || { echo "SKIPPED: no compute-sanitizer" | tee -a "\$out/summary.txt"; return; }
  step sanitizer.log 90 "\$sanitizer" --tool memcheck --error-exitcode 9 "\$bin/test_gpu" \\
    --gtest_filter='GpuPoly.*:GpuEncoder.*:GpuEvaluator.ADevice*'
}
racecheck() {
  [ -n "\$sanitizer" ] || { echo "SKIPPED: no compute-sanitizer" | tee -a "\$out/summary.txt"; return; }
  step sanitizer.log 60 env HNN_GPU_TEST_MAX_LOGN=13 "\$sanitizer" --tool racecheck --error-exitcode 9 \\
    "\$bin/test_gpu" --gtest_filter='GpuNtt.*'
}
bench() {
  step bench.log 150 "\$bin/hnn-bench-cuda" --benchmark_out="\$out/bench_cuda.json" --benchmark_out_format=json \\
    --benchmark_min_time=0.1
  step bench.log 180 "\$bin/hnn-bench-bootstrap" --threads=\$threads --benchmark_filter=Cuda \\
    --benchmark_out="\$out/bench_bootstrap_cuda.json" --benchmark_out_format=json
}
shipped=(--data models/distilbert/data --model models/distilbert/model)
need_model() {
  [ -f models/distilbert/model/model.safetensors ] && return 0
  echo "SKIPPED: the shipped model did not travel (carry models/distilbert/model/model.safetensors)" | tee -a "\$out/summary.txt"
  return 1
}
distilbert() {
  local tiny=(--data models/distilbert/data --model tests/distilbert/fixtures/he-tiny --params insecure-n12 --flood-sigma 0)
  step distilbert.log 60 "\$bin/hnn-distilbert" "\${tiny[@]}" --device cuda "unflinchingly bleak and desperate"
  # hnn-server on the GPU (key parts moved there as they arrive) and hnn-client over loopback
  step distilbert.log 60 "\$bin/pair.sh" "\$bin" tests/distilbert/fixtures/he-tiny insecure-n12 cuda \
    "unflinchingly bleak and desperate"
  [ "\${1:-}" = with-cpu ] && step distilbert.log 60 "\$bin/hnn-distilbert" "\${tiny[@]}" --device cpu "unflinchingly bleak and desperate"
  need_model && step distilbert.log 240 "\$bin/hnn-distilbert" "\${shipped[@]}" --device cuda "a gorgeous , witty , seductive movie ."
}
# For a second lease (issue 6's GPU figures), one stage per call, each up to the command's limit:
# DistilBERT-base's shapes (the shipped model widened twice, 128 tokens; ~25 GiB of keys, plaintexts
# and working set), and the agreement run over the first 200 dev sentences of up to 32 tokens (only
# 197 of the 872 have at most 16; 467 more have 17-32, the T = 32 layout). The JSON lines are
# appended as each sentence ends, so a run cut by the deadline keeps what it did, and a call resumes
# the one before when its agreement_gpu.jsonl was copied into the bundle (carried with it).
base() {
  need_model || return 0
  step base.log 585 "\$bin/hnn-distilbert" "\${shipped[@]}" --widen 2 --pad-to 128 --device cuda \\
    "a gorgeous , witty , seductive movie ."
}
agreement() {
  need_model || return 0
  [ -f "\$here/agreement_gpu.jsonl" ] && cp "\$here/agreement_gpu.jsonl" "\$out/agreement_gpu.jsonl"
  step agreement.log 585 "\$bin/hnn-distilbert" "\${shipped[@]}" --device cuda --sst2 models/distilbert/data/sst2/dev.tsv \\
    --count 200 --max-tokens 32 --results "\$out/agreement_gpu.jsonl" --tag $commit-gpu
}
case "\${1:-}" in
  all) tests; bench; distilbert; racecheck ;;
  base) [ -n "\${BUDGET:-}" ] || budget=590; base ;;            # a call of its own: up to its 600 s
  agreement) [ -n "\${BUDGET:-}" ] || budget=590; agreement ;;
  tests) tests; racecheck ;;
  bench) bench ;;
  distilbert) distilbert with-cpu ;;
  *) echo "usage: run.sh all|tests|bench|distilbert|base|agreement" >&2; exit 2 ;;
esac
echo "total \$((\$(date +%s) - t_start)) s" >> "\$out/summary.txt"
cat "\$out/summary.txt"
RUN
chmod +x "$B/run.sh"
du -sh "$stage" "$B"
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
echo "tracked tree: $tree bytes; bundle $(du -cb "$B" | tail -1 | cut -f1) bytes; the tool's limit is 67108864 with the carry"
