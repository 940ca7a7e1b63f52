#!/usr/bin/env bash
# Prepares one GPU lease's checks (../.library/device). The device machine has nvcc and a driver but
# none of hnn's Debian packages and no network, so the gpu suite, hnn-bench-cuda and hnn-distilbert
# are built here for sm_90 and bundled, with the shared libraries they load, into build-gpu/bundle.
#
# The tool sends the working tree with every call, 64 MiB at most with what `carry` names, and
# the tracked tree alone is about 63 MiB (the shipped model 43 MiB, MNIST 11 MiB). So a lease goes:
#   scripts/gpu_bundle.sh            # here: build, bundle, report the size
#   scripts/gpu_tree.sh slim         # here: the shipped model and MNIST out of the index for a while
#   run(carry=["build-gpu/bundle"], command="build-gpu/bundle/run.sh", timeout_s=540)
#   scripts/gpu_tree.sh restore      # here: back in the index, byte for byte as they were
# run.sh writes the logs, the benchmark JSON and a summary to $OUT (see its steps below).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD=build-gpu
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHNN_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DHNN_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}" --target test_gpu test_gpu_emulated hnn-bench-cuda hnn-distilbert
B="$BUILD/bundle"
rm -rf "$B" && mkdir -p "$B/lib"
cp "$BUILD/tests/test_gpu" "$BUILD/tests/test_gpu_emulated" "$BUILD/bin/hnn-bench-cuda" "$BUILD/bin/hnn-distilbert" "$B/"
strip "$B"/test_gpu "$B"/test_gpu_emulated "$B"/hnn-bench-cuda "$B"/hnn-distilbert
# Every shared library they load but the C runtime's own and libstdc++/libgcc (the device image
# has newer ones).
for bin in "$B"/test_gpu "$B"/test_gpu_emulated "$B"/hnn-bench-cuda "$B"/hnn-distilbert; do
  ldd "$bin" | awk '/=> \// {print $3}'
done | sort -u | grep -vE '/(libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' |
  xargs -r cp -L -t "$B/lib"
commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo "+dirty")
cat > "$B/run.sh" <<RUN
#!/usr/bin/env bash
# Bundled at $commit on $(date -u +%F), run from the repository root of the device machine's copy.
# Steps: the gpu suite with poisoned buffers; compute-sanitizer memcheck and racecheck on a subset;
# the CUDA benchmarks to JSON; the tiny DistilBERT on the GPU and on the CPU (same score); the
# shipped model at logN 16 on the GPU when models/distilbert/model travelled (carry it).
set -uo pipefail
here=\$(cd "\$(dirname "\$0")" && pwd)
out=\${OUT:-\$here/out}
mkdir -p "\$out"
export LD_LIBRARY_PATH="\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
nvidia-smi > "\$out/nvidia-smi.txt" 2>&1
echo "bundle $commit" > "\$out/summary.txt"
step() { local name=\$1 limit=\$2; shift 2; local t0=\$(date +%s); timeout "\$limit" "\$@" > "\$out/\$name.log" 2>&1;
         local rc=\$?; echo "\$name rc=\$rc \$((\$(date +%s) - t0)) s" | tee -a "\$out/summary.txt"; }
step gpu_tests 300 env HNN_CUDA_POISON=1 "\$here/test_gpu"
step memcheck 240 compute-sanitizer --tool memcheck --error-exitcode 9 "\$here/test_gpu" \\
  --gtest_filter='GpuPoly.*:GpuNtt.*:GpuEncoder.*:GpuEvaluator.ADevice*'
step racecheck 120 compute-sanitizer --tool racecheck --error-exitcode 9 "\$here/test_gpu" --gtest_filter='GpuNtt.*'
step bench 300 "\$here/hnn-bench-cuda" --benchmark_out="\$out/bench_cuda.json" --benchmark_out_format=json \\
  --benchmark_min_time=0.2
tiny=(--data models/distilbert/data --model tests/distilbert/fixtures/he-tiny --params insecure-n12 --flood-sigma 0)
step tiny_gpu 300 "\$here/hnn-distilbert" "\${tiny[@]}" --device cuda "unflinchingly bleak and desperate"
step tiny_cpu 300 "\$here/hnn-distilbert" "\${tiny[@]}" --device cpu "unflinchingly bleak and desperate"
if [ -f models/distilbert/model/model.safetensors ]; then
  step shipped_gpu 540 "\$here/hnn-distilbert" --data models/distilbert/data --model models/distilbert/model \\
    --device cuda "a gorgeous , witty , seductive movie ."
fi
tail -n 3 "\$out"/*.log
RUN
chmod +x "$B/run.sh"
du -sh "$B"
echo "tracked tree: $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes; the tool's limit is 67108864 with the carry"
