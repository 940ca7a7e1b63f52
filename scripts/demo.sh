#!/usr/bin/env bash
# The main job: installs what it needs, builds Release, and classifies a sentence with the shipped
# HE-friendly DistilBERT, every layer on CKKS ciphertexts (hnn-distilbert, 128-bit logN = 16), on
# the GPU when one is usable (hnn-distilbert's default --device auto), else on the CPU.
# Usage: scripts/demo.sh ["a sentence"] [hnn-distilbert options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DHNN_CUDA=AUTO
cmake --build "$BUILD_DIR" -j "$(nproc)" --target hnn-distilbert
if [[ $# -eq 0 || "$1" == -* ]]; then
  set -- "a gorgeous , witty , seductive movie ." "$@"
fi
"$BUILD_DIR"/bin/hnn-distilbert "$@"
