#!/usr/bin/env bash
# Prepares one GPU lease's checks (../.library/device): the device machine has nvcc and a driver
# but none of hnn's Debian packages and no network, so the `gpu` suite and hnn-bench-cuda are built
# here for sm_90 and bundled with the shared libraries they load into build-gpu/bundle (well
# under the tool's 64 MiB carry limit). Then, in the session that has a GPU:
#   run(carry=["build-gpu/bundle"], command="build-gpu/bundle/run.sh", timeout_s=...)
# run.sh writes the test log, the sanitizer logs and the benchmark JSON to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD=build-gpu
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHNN_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DHNN_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}" --target test_gpu test_gpu_emulated hnn-bench-cuda
B="$BUILD/bundle"
rm -rf "$B" && mkdir -p "$B/lib"
cp "$BUILD/tests/test_gpu" "$BUILD/tests/test_gpu_emulated" "$BUILD/bin/hnn-bench-cuda" "$B/"
# Every shared library they load but the C runtime's own (which the device image has).
for bin in "$B"/test_gpu "$B"/test_gpu_emulated "$B"/hnn-bench-cuda; do
  ldd "$bin" | awk '/=> \// {print $3}'
done | sort -u | grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so' | xargs -r cp -L -t "$B/lib"
commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo "+dirty")
cat > "$B/run.sh" <<RUN
#!/usr/bin/env bash
# Bundled at $commit on $(date -u +%F). Runs the gpu suite (plain, with poisoned buffers, under
# compute-sanitizer memcheck and racecheck) and the CUDA benchmarks; results under \$OUT.
set -uo pipefail
here=\$(cd "\$(dirname "\$0")" && pwd)
out=\${OUT:-\$here/out}
mkdir -p "\$out"
export LD_LIBRARY_PATH="\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
nvidia-smi > "\$out/nvidia-smi.txt" 2>&1
echo "bundle $commit" > "\$out/summary.txt"
step() { local name=\$1; shift; local t0=\$(date +%s); "\$@" > "\$out/\$name.log" 2>&1; local rc=\$?;
         echo "\$name rc=\$rc \$((\$(date +%s) - t0)) s" | tee -a "\$out/summary.txt"; }
step gpu_tests env HNN_CUDA_POISON=1 "\$here/test_gpu"
step memcheck compute-sanitizer --tool memcheck --error-exitcode 9 "\$here/test_gpu" --gtest_filter='GpuPoly.*:GpuNtt.*:GpuEvaluator.ADevice*'
step racecheck compute-sanitizer --tool racecheck --error-exitcode 9 "\$here/test_gpu" --gtest_filter='GpuNtt.*'
step bench "\$here/hnn-bench-cuda" --benchmark_out="\$out/bench_cuda.json" --benchmark_out_format=json \
  --benchmark_min_time=0.2
tail -n 3 "\$out"/*.log
RUN
chmod +x "$B/run.sh"
du -sh "$B"
