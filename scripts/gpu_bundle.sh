#!/usr/bin/env bash
# Prepares one GPU lease's checks (../.library/device). The device machine has nvcc and a driver but
# none of hnn's Debian packages and no network, so the gpu suite, hnn-bench-cuda and hnn-distilbert
# are built here for sm_90 and bundled, with the shared libraries they load, into build-gpu/bundle.
#
# The tool sends the working tree with every call, 64 MiB at most with what `carry` names, and
# the tracked tree alone is about 63 MiB (the shipped model 43 MiB, MNIST 11 MiB). So a lease goes:
#   scripts/gpu_bundle.sh            # here: build, bundle, report the size
#   scripts/gpu_tree.sh slim         # here: the shipped model and MNIST out of the index for a while
#   run(carry=["build-gpu/bundle"], command="build-gpu/bundle/run.sh tests", timeout_s=560)
#   run(carry=["build-gpu/bundle"], command="build-gpu/bundle/run.sh bench", timeout_s=500)
#   run(carry=["build-gpu/bundle", "models/distilbert/model/model.safetensors"],
#       command="build-gpu/bundle/run.sh distilbert", timeout_s=590)
#   scripts/gpu_tree.sh restore      # here: back in the index, byte for byte as they were
# run.sh writes the logs, the benchmark JSON and a summary to $OUT (its stages are below).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD=build-gpu
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHNN_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DHNN_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}" --target test_gpu hnn-bench-cuda hnn-distilbert
B="$BUILD/bundle"
rm -rf "$B" && mkdir -p "$B/lib/cxx"
bins=(test_gpu hnn-bench-cuda hnn-distilbert)
cp "$BUILD/tests/test_gpu" "$BUILD/bin/hnn-bench-cuda" "$BUILD/bin/hnn-distilbert" "$B/"
for b in "${bins[@]}"; do strip "$B/$b"; done
# Every shared library they load but the C runtime's own; libstdc++ and libgcc apart (lib/cxx),
# used only when the device image's own are older than the ones they were built with.
libs=$(for b in "${bins[@]}"; do ldd "$B/$b" | awk '/=> \// {print $3}'; done | sort -u)
grep -vE '/(libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' <<< "$libs" | xargs -r cp -L -t "$B/lib"
grep -E '/(libstdc\+\+|libgcc_s)\.so' <<< "$libs" | xargs -r cp -L -t "$B/lib/cxx"
commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo "+dirty")
cat > "$B/run.sh" <<RUN
#!/usr/bin/env bash
# Bundled at $commit on $(date -u +%F). Run from the repository root of the device machine's copy,
# one stage a call (each fits the tool's 10-minute limit; results under \$OUT, summary.txt first):
#   run.sh tests       the gpu suite with poisoned buffers, compute-sanitizer memcheck on a subset
#                      and racecheck on the NTT (logN <= 13)
#   run.sh bench       hnn-bench-cuda to bench_cuda.json
#   run.sh distilbert  the tiny DistilBERT on the GPU and on the machine's CPU (fresh keys each: the
#                      same decision, not the same bits), then the shipped model at logN 16 on the
#                      GPU when models/distilbert/model/model.safetensors travelled (carry it)
set -uo pipefail
here=\$(cd "\$(dirname "\$0")" && pwd)
out=\${OUT:-\$here/out}
mkdir -p "\$out"
export LD_LIBRARY_PATH="\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
if ldd "\$here/test_gpu" | grep -q "not found"; then export LD_LIBRARY_PATH="\$here/lib/cxx:\$LD_LIBRARY_PATH"; fi
echo "bundle $commit, stage \${1:-none}" > "\$out/summary.txt"
nvidia-smi >> "\$out/summary.txt" 2>&1
step() { local name=\$1 limit=\$2; shift 2; local t0=\$(date +%s); timeout "\$limit" "\$@" > "\$out/\$name.log" 2>&1;
         local rc=\$?; echo "\$name rc=\$rc \$((\$(date +%s) - t0)) s" | tee -a "\$out/summary.txt"; }
case "\${1:-}" in
  tests)
    step gpu_tests 240 env HNN_CUDA_POISON=1 "\$here/test_gpu"
    step memcheck 180 compute-sanitizer --tool memcheck --error-exitcode 9 "\$here/test_gpu" \\
      --gtest_filter='GpuPoly.*:GpuEncoder.*:GpuEvaluator.ADevice*'
    step racecheck 120 env HNN_GPU_TEST_MAX_LOGN=13 compute-sanitizer --tool racecheck --error-exitcode 9 \\
      "\$here/test_gpu" --gtest_filter='GpuNtt.*' ;;
  bench)
    step bench 480 "\$here/hnn-bench-cuda" --benchmark_out="\$out/bench_cuda.json" --benchmark_out_format=json \\
      --benchmark_min_time=0.2 ;;
  distilbert)
    tiny=(--data models/distilbert/data --model tests/distilbert/fixtures/he-tiny --params insecure-n12 --flood-sigma 0)
    step tiny_gpu 90 "\$here/hnn-distilbert" "\${tiny[@]}" --device cuda "unflinchingly bleak and desperate"
    step tiny_cpu 90 "\$here/hnn-distilbert" "\${tiny[@]}" --device cpu "unflinchingly bleak and desperate"
    if [ -f models/distilbert/model/model.safetensors ]; then
      step shipped_gpu 400 "\$here/hnn-distilbert" --data models/distilbert/data --model models/distilbert/model \\
        --device cuda "a gorgeous , witty , seductive movie ."
    fi ;;
  *) echo "usage: run.sh tests|bench|distilbert" >&2; exit 2 ;;
esac
tail -n 4 "\$out"/*.log
RUN
chmod +x "$B/run.sh"
du -sh "$B"
echo "tracked tree: $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes; the tool's limit is 67108864 with the carry"
