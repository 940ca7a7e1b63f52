#!/usr/bin/env bash
# For a GPU lease only (see scripts/gpu_bundle.sh): the device tool sends the tracked tree (about
# 63 MiB) plus what `carry` names, 64 MiB at most. `slim` takes the shipped model and MNIST out of
# the index (files untouched, ignored through .git/info/exclude) so the bundle fits; `restore` puts
# them back. Commit nothing between the two.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(models/distilbert/model/model.safetensors models/cryptonn/data)
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")" && touch "$exclude"
case "${1:-}" in
  slim)
    git rm -r -q --cached "${paths[@]}"
    for p in "${paths[@]}"; do grep -qxF "/$p" "$exclude" || echo "/$p" >> "$exclude"; done
    echo "slim: tracked tree now $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes" ;;
  restore)
    for p in "${paths[@]}"; do sed -i "\\#^/$p\$#d" "$exclude"; done
    git add -f "${paths[@]}"
    git diff --cached --quiet -- "${paths[@]}" && echo "restore: the index is as before" ;;
  *) echo "usage: scripts/gpu_tree.sh slim|restore" >&2; exit 2 ;;
esac
