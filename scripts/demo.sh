#!/usr/bin/env bash
# The main job: installs what it needs, builds Release, and runs the encrypted example.
# Usage: scripts/demo.sh [arguments for hnn-example]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHNN_CUDA=AUTO
cmake --build "$BUILD_DIR" -j "$(nproc)" --target hnn-example
"$BUILD_DIR"/bin/hnn-example "$@"
