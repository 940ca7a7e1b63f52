#!/usr/bin/env python3
"""Writes tests/distilbert/fixtures/he-tiny: a tiny HE-friendly model for the C++ tests.

The weights are the small random checkpoint of fixtures/small-f32 (dim 64, 2 layers, vocabulary
1000); its vocab.txt holds bert-base-uncased's special tokens, single characters and the most
frequent SST-2 train words, so SST-2 sentences tokenize into its 1000 ids. he_approx.json and
soft_argmax.json come from the training pipeline's own `measure`, `fit` and `temperature` steps
(train_sst2.py), and reference_he.json holds the float64 PyTorch HE-friendly forward pass
(he_model.py) on the first dev sentences: the C++ twin must reproduce it.

  build-db/venv/bin/python models/distilbert/tools/he_fixture.py --out tests/distilbert/fixtures/he-tiny
"""
import argparse
import collections
import json
import pathlib
import shutil
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import torch  # noqa: E402

import train_sst2 as ts  # noqa: E402


def build_vocab(out, size):
    full = (ts.DATA / "vocab.txt").read_text(encoding="utf-8").split("\n")
    tokens = [t for t in full[:104]]  # [PAD], [unused*], [UNK], [CLS], [SEP], [MASK]
    chars = [t for t in full if len(t) == 1] + [t for t in full if t.startswith("##") and len(t) == 3]
    tok = ts.tokenizer()
    counts = collections.Counter()
    for s, _ in ts.read_sst2(ts.DATA / "sst2" / "train.tsv")[:20000]:
        counts.update(tok.tokenize(s))
    seen = set(tokens)
    for t in chars:
        if t not in seen and len(tokens) < size // 2:
            tokens.append(t)
            seen.add(t)
    for t, _ in counts.most_common():
        if len(tokens) >= size:
            break
        if t not in seen:
            tokens.append(t)
            seen.add(t)
    assert len(tokens) == size
    (out / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    shutil.copyfile(ts.DATA / "tokenizer_config.json", out / "tokenizer_config.json")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default="build-db/he-tiny-work")
    ap.add_argument("--sentences", type=int, default=24)
    args = ap.parse_args()
    torch.set_num_threads(1)
    out = pathlib.Path(args.out)
    work = pathlib.Path(args.work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    small = HERE.parent.parent.parent / "tests" / "distilbert" / "fixtures" / "small-f32"
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(small / name, out / name)
    size = json.loads((small / "config.json").read_text())["vocab_size"]
    build_vocab(out, size)
    common = ["--vocab-dir", str(out)]
    ts.main(common + ["measure", "--model", str(out), "--out", str(work / "ranges.json"), "--sentences", "1000"])
    ts.main(common + ["fit", "--ranges", str(work / "ranges.json"), "--out", str(out / "he_approx.json"),
                      "--gelu-degree", "15", "--relu-degree", "15", "--max-gap", "12"])
    ts.main(common + ["temperature", "--model", str(out), "--approx", str(out / "he_approx.json"),
                      "--sigmoid-degree", "15"])

    # float64 reference of the HE-friendly forward pass on the first dev sentences
    dev = ts.read_sst2(ts.DATA / "sst2" / "dev.tsv")[:args.sentences]
    with open(out / "dev.tsv", "w", encoding="utf-8") as f:
        f.write("sentence\tlabel\n")
        for s, y in dev:
            f.write(f"{s}\t{y}\n")
    model = ts.load_model(str(out), str(out / "he_approx.json")).double().eval()
    approx = model.approx
    rows = []
    for (ids, y) in ts.encode(dev, 64):
        x = torch.tensor([ids])
        with torch.no_grad():
            logits = model(x, torch.ones_like(x))[0]
            score = approx.soft_argmax_sigmoid((logits[1] - logits[0]).reshape(1))[0]
        rows.append({"ids": ids, "label": y, "logits": [float(v) for v in logits], "score": float(score)})
    (out / "reference_he.json").write_text(json.dumps({"note": "he_model.py float64 forward with he_approx.json",
                                                       "sentences": rows}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
