#!/usr/bin/env bash
# The test suite: installs what it needs, builds (Release, CUDA when nvcc is present), runs ctest.
# Runs every test but the `long` tier; GPU tests skip cleanly without a GPU.
# Usage: scripts/test.sh [extra ctest arguments]    (BUILD_DIR, JOBS override the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHNN_CUDA=AUTO
cmake --build "$BUILD_DIR" -j "$JOBS"
cd "$BUILD_DIR"
# ctest runs JOBS tests at once: each gets its share of the cores as OpenMP threads (more threads
# than cores make OpenMP's spin-waiting threads slow every test down several times).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(( $(nproc) / JOBS > 0 ? $(nproc) / JOBS : 1 ))}
ctest --output-on-failure -j "$JOBS" -LE long "$@"
