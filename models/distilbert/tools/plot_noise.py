#!/usr/bin/env python3
"""Accuracy of the HE-friendly twin against simulated CKKS noise (bits), as a PNG.

Runs hnn-sst2-eval once per noise level (and once noise-free and once for the plain model), keeps
each run's JSON next to the plot, and draws accuracy against bits:

  build-db/venv/bin/python models/distilbert/tools/plot_noise.py --eval build/bin/hnn-sst2-eval \
      --model models/distilbert/model --reference build-db/train/export-plain \
      --bits 10 12 14 15 16 18 20 24 --out bench/results/distilbert
"""
import argparse
import datetime
import json
import pathlib
import platform
import subprocess


REUSE = False


def run(eval_bin, args, json_path):
    if REUSE and json_path.exists():
        print(f"reusing {json_path}", flush=True)
        return json.loads(json_path.read_text())
    cmd = [eval_bin, *args, "--json", str(json_path), "--no-progress"]
    print(" ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    print(out.strip().splitlines()[-1], flush=True)
    return json.loads(json_path.read_text())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--reference", help="the plain model (agreement, and its accuracy as a line)")
    ap.add_argument("--bits", type=float, nargs="+", default=[10, 12, 14, 15, 16, 18, 20, 24])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="folder for the JSON files and accuracy_vs_noise.png")
    ap.add_argument("--tag", default="", help="prefix of the file names (e.g. the date)")
    ap.add_argument("--machine", default="CPU, 1 thread", help="what the runs ran on, for the summary")
    ap.add_argument("--reuse", action="store_true", help="keep the runs whose JSON file exists")
    args = ap.parse_args()
    global REUSE
    REUSE = args.reuse
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ref = []
    results = {}
    if args.reference:
        results["plain"] = run(args.eval, ["--model", args.reference, "--variant", "plain"],
                               out / f"{args.tag}plain.json")
        # later runs compare with the plain run's predictions instead of recomputing them
        ref = ["--reference", str(out / f"{args.tag}plain.json")]
    results["he"] = run(args.eval, ["--model", args.model, "--variant", "he", *ref], out / f"{args.tag}he.json")
    noisy = []
    for b in args.bits:
        r = run(args.eval, ["--model", args.model, "--variant", "he", "--noise-bits", str(b),
                            "--seed", str(args.seed), *ref], out / f"{args.tag}he_noise{b:g}.json")
        noisy.append((b, r["accuracy"], r.get("agreement_with_plain")))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.plot([b for b, _, _ in noisy], [100 * a for _, a, _ in noisy], "o-", label="HE-friendly twin + noise")
    ax.axhline(100 * results["he"]["accuracy"], color="C1", ls="--", label="HE-friendly, no noise")
    if "plain" in results:
        ax.axhline(100 * results["plain"]["accuracy"], color="C2", ls=":", label="plain model")
    ax.set_xlabel("simulated CKKS precision (bits, relative to each tensor's range)")
    ax.set_ylabel("SST-2 dev accuracy (%), 872 sentences")
    ax.set_title("hnn DistilBERT (all-MiniLM-L6-v2 based): accuracy vs noise")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / f"{args.tag}accuracy_vs_noise.png")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    summary = {"date": datetime.date.today().isoformat(), "commit": commit,
               "machine": f"{platform.node()} {platform.machine()} ({args.machine})",
               "noise_seed": args.seed,
               "accuracy_vs_bits": [{"bits": b, "accuracy": a, "agreement_with_plain": g} for b, a, g in noisy],
               "he": {k: results["he"][k] for k in ("accuracy", "soft_argmax", "softmax_t1", "agreement_with_plain",
                                                    "temperature", "seconds") if k in results["he"]},
               "plain": {k: results["plain"][k] for k in ("accuracy", "soft_argmax", "softmax_t1", "temperature",
                                                          "seconds")} if "plain" in results else None}
    (out / f"{args.tag}summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
