"""DistilBertForSequenceClassification in PyTorch with switchable HE-friendly non-linearities.

Parameter names equal Hugging Face's (distilbert.embeddings.word_embeddings.weight, ...,
pre_classifier.weight, classifier.bias), so state dicts move freely between this module, HF
`DistilBertForSequenceClassification` and the C++ loader (models/distilbert/src/model.cpp).

With `approx=None` the forward pass is HF's (exact GELU, softmax, LayerNorm, ReLU). With an
`HeApprox` (he_approx.py, read from he_approx.json) every non-linearity is the polynomial /
Newton iteration that the C++ plaintext twin (hnn::nn + models/distilbert/src/he_model.cpp) and
the encrypted pipeline evaluate, in the same order.
"""
import json
import math

import torch
from torch import nn
import torch.nn.functional as F


def distilbert_config(dim=384, n_layers=6, n_heads=12, hidden_dim=1536, vocab_size=30522,
                      max_position_embeddings=512):
    return {
        "activation": "gelu",
        "architectures": ["DistilBertForSequenceClassification"],
        "attention_dropout": 0.1,
        "dim": dim,
        "dropout": 0.1,
        "finetuning_task": "sst-2",
        "hidden_dim": hidden_dim,
        "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
        "initializer_range": 0.02,
        "label2id": {"NEGATIVE": 0, "POSITIVE": 1},
        "max_position_embeddings": max_position_embeddings,
        "model_type": "distilbert",
        "n_heads": n_heads,
        "n_layers": n_layers,
        "pad_token_id": 0,
        "qa_dropout": 0.1,
        "seq_classif_dropout": 0.2,
        "sinusoidal_pos_embds": False,
        "tie_weights_": True,
        "vocab_size": vocab_size,
    }


class _Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["dim"], padding_idx=0)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["dim"])
        self.LayerNorm = nn.LayerNorm(c["dim"], eps=1e-12)


class _Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.q_lin, self.k_lin, self.v_lin, self.out_lin = (nn.Linear(d, d) for _ in range(4))


class _Ffn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.lin1 = nn.Linear(c["dim"], c["hidden_dim"])
        self.lin2 = nn.Linear(c["hidden_dim"], c["dim"])


class _Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = _Attention(c)
        self.sa_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)
        self.ffn = _Ffn(c)
        self.output_layer_norm = nn.LayerNorm(c["dim"], eps=1e-12)


class _Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(_Block(c) for _ in range(c["n_layers"]))


class _DistilBert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = _Embeddings(c)
        self.transformer = _Transformer(c)


class Recorder:
    """Collects the inputs of every non-linearity (real tokens only) to measure their ranges."""

    def __init__(self):
        self.values = {}

    def add(self, name, x):
        x = x.detach().float().flatten()
        if x.numel() > 200000:  # keep memory bounded; extremes are tracked separately
            idx = torch.randint(0, x.numel(), (200000,))
            sample = x[idx]
        else:
            sample = x
        entry = self.values.setdefault(name, {"min": math.inf, "max": -math.inf, "samples": []})
        entry["min"] = min(entry["min"], float(x.min()))
        entry["max"] = max(entry["max"], float(x.max()))
        if sum(s.numel() for s in entry["samples"]) < 2_000_000:
            entry["samples"].append(sample)


class DistilBertHE(nn.Module):
    def __init__(self, config, approx=None):
        super().__init__()
        self.config = dict(config)
        self.distilbert = _DistilBert(config)
        self.pre_classifier = nn.Linear(config["dim"], config["dim"])
        self.classifier = nn.Linear(config["dim"], len(config["id2label"]))
        self.dropout = nn.Dropout(config.get("seq_classif_dropout", 0.2))
        self.hidden_dropout = nn.Dropout(config.get("dropout", 0.1))
        self.attention_dropout = nn.Dropout(config.get("attention_dropout", 0.1))
        self.approx = approx
        self.recorder = None
        # Each approximation's normalised input (2x - a - b)/(b - a) outside [-1, 1] is penalised
        # during HE-friendly fine-tuning (sum of squared excess), so activations stay in range.
        self.range_penalty = None

    # ---- the non-linearities: exact, or the HE-friendly ones of he_approx.json -------------
    def _record(self, name, x):
        if self.recorder is not None:
            self.recorder.add(name, x)

    def _layer_norm(self, x, ln, name, mask):
        mu = x.mean(-1, keepdim=True)
        d = x - mu
        var = (d * d).mean(-1, keepdim=True)
        if mask is not None:
            self._record(name, var.squeeze(-1)[mask.bool()])
        if self.approx is None:
            r = torch.rsqrt(var + 1e-12)
        else:
            # Padded positions get the interval's midpoint (their value never reaches a real token;
            # the C++ twin runs unpadded sequences), so no overflow starts there.
            safe = torch.where(mask.bool()[..., None], var, self.approx.midpoint(name))
            r = self.approx.inv_sqrt(name, safe, self, mask)
        return d * r * ln.weight + ln.bias

    def _gelu(self, x, name, mask):
        self._record(name, x[mask.bool()])
        if self.approx is None:
            return F.gelu(x)
        return self.approx.chebyshev(name, x, self, mask)

    def _softmax(self, scores, mask, name):
        # scores [b, h, n, n]; mask [b, n] (1 = real key). Only rows of real queries are recorded.
        keymask = mask[:, None, None, :].to(scores.dtype)
        if self.recorder is not None:
            real = (mask[:, None, :, None].bool() & mask[:, None, None, :].bool()).expand_as(scores)
            self._record(name + ".scores", scores[real])
        if self.approx is None:
            s = scores.masked_fill(keymask == 0, torch.finfo(scores.dtype).min)
            p = torch.softmax(s, dim=-1)
            if self.recorder is not None:
                # What the HE softmax sees: scores centred on their row mean over the real keys,
                # x = s - mean, and S' = (1/n) sum_j exp(x_j) >= 1 (Jensen); record x and
                # log S' (the "gap") to choose the exponential's squarings and 1/S' interval.
                n = keymask.sum(-1, keepdim=True)
                mean = (scores * keymask).sum(-1, keepdim=True) / n
                rows = mask[:, None, :].bool().expand(scores.shape[:-1])
                real = rows[..., None] & mask[:, None, None, :].bool()
                self._record(name + ".centered", (scores - mean)[real])
                gap = torch.logsumexp(s, dim=-1) - mean.squeeze(-1) - torch.log(n.squeeze(-1))
                self._record(name + ".gap", gap[rows])
            return p
        return self.approx.softmax(name, scores, keymask, mask, self)

    def _relu(self, x, name):
        self._record(name, x)
        if self.approx is None:
            return F.relu(x)
        return self.approx.chebyshev(name, x, self)

    # ---- forward -------------------------------------------------------------------------------
    def forward(self, ids, mask):
        c = self.config
        b, n = ids.shape
        emb = self.distilbert.embeddings
        pos = torch.arange(n, device=ids.device)
        x = emb.word_embeddings(ids) + emb.position_embeddings(pos)[None]
        x = self._layer_norm(x, emb.LayerNorm, "embeddings.ln", mask)
        x = self.hidden_dropout(x)
        h, hd = c["n_heads"], c["dim"] // c["n_heads"]
        for i, blk in enumerate(self.distilbert.transformer.layer):
            p = f"layer{i}."
            a = blk.attention
            q = a.q_lin(x).view(b, n, h, hd).transpose(1, 2)
            k = a.k_lin(x).view(b, n, h, hd).transpose(1, 2)
            v = a.v_lin(x).view(b, n, h, hd).transpose(1, 2)
            scores = (q / math.sqrt(hd)) @ k.transpose(-1, -2)
            probs = self.attention_dropout(self._softmax(scores, mask, p + "softmax"))
            ctx = (probs @ v).transpose(1, 2).reshape(b, n, c["dim"])
            sa = self.hidden_dropout(a.out_lin(ctx)) + x
            sa = self._layer_norm(sa, blk.sa_layer_norm, p + "sa_ln", mask)
            hid = self._gelu(blk.ffn.lin1(sa), p + "gelu", mask)
            out = self.hidden_dropout(blk.ffn.lin2(hid)) + sa
            x = self._layer_norm(out, blk.output_layer_norm, p + "out_ln", mask)
            if self.approx is not None:
                # Padded positions never reach a real token (their keys are masked), but their
                # polynomial values may overflow outside the fitted ranges: keep them at 0.
                x = torch.where(mask.bool()[:, :, None], x, 0.0)
        pooled = self._relu(self.pre_classifier(x[:, 0]), "head.relu")
        return self.classifier(self.dropout(pooled))


class SoftArgmax(nn.Module):
    """Differentiable Soft-Argmax (HNN, arXiv 2502.16176): sum_i softmax(x / T)_i * i over 0-based
    class indices, with a learned temperature T (initialised to 2.0). For two classes it is
    sigmoid((x1 - x0) / T), the calibrated probability of class 1 (POSITIVE)."""

    def __init__(self, temperature=2.0):
        super().__init__()
        self.temperature = nn.Parameter(torch.tensor(float(temperature), dtype=torch.float64))

    def forward(self, logits):
        t = self.temperature.to(logits.dtype)
        idx = torch.arange(logits.shape[-1], dtype=logits.dtype, device=logits.device)
        return (torch.softmax(logits / t, dim=-1) * idx).sum(-1)


def expected_calibration_error(p_pos, labels, bins=15):
    """ECE (Guo et al. 2017): confidence = max(p, 1 - p) of the predicted class, `bins` equal-width
    bins (lo, hi] on [0, 1], sum over bins of |accuracy - mean confidence| weighted by the bin's
    share of samples. The C++ twin (hnn::nn::expected_calibration_error) computes the same."""
    p = torch.as_tensor(p_pos, dtype=torch.float64)
    y = torch.as_tensor(labels)
    pred = (p > 0.5).long()
    conf = torch.where(pred == 1, p, 1 - p)
    correct = (pred == y).double()
    ece = 0.0
    edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64)
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            ece += float(sel.double().mean()) * abs(float(correct[sel].mean()) - float(conf[sel].mean()))
    return ece


def load_state(model_dir):
    from safetensors.torch import load_file
    import pathlib

    d = pathlib.Path(model_dir)
    config = json.loads((d / "config.json").read_text())
    model = DistilBertHE(config)
    state = {k: v.float() for k, v in load_file(str(d / "model.safetensors")).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if m not in ()]
    if missing:
        raise SystemExit(f"{d}: tensors missing from the checkpoint: {missing[:5]}...")
    return model
