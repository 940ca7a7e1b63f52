#!/usr/bin/env python3
"""Reference outputs of Hugging Face tokenizers/transformers for hnn's DistilBERT layer.

  tokens      token ids of every SST-2 train and dev sentence (gzip text, one sentence a line),
              plus edge cases with truncation and padding (JSON), from the published tokenizer
  checkpoint  a randomly initialised DistilBertForSequenceClassification saved as model.safetensors
              + config.json, and float64 reference logits of a padded batch (reference.json)

Install the pinned versions in a virtual environment outside the repository, e.g.
  python3 -m venv build-db/venv && build-db/venv/bin/pip install -r models/distilbert/tools/requirements.txt
then, from the repository root:
  build-db/venv/bin/python models/distilbert/tools/hf_reference.py tokens --out tests/distilbert/fixtures
  build-db/venv/bin/python models/distilbert/tools/hf_reference.py checkpoint --size small \
      --out tests/distilbert/fixtures/small-f32
  build-db/venv/bin/python models/distilbert/tools/hf_reference.py checkpoint --size full \
      --out build-db/distilbert-reference/full
"""
import argparse
import gzip
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "data"

# Strings that exercise every branch of BertNormalizer, BertPreTokenizer and WordPiece.
EDGE_CASES = [
    "",
    "   ",
    "Hello, World!",
    "it 's a charming and often affecting journey . ",
    "Amélie, naïveté, MOLLÀ, Maelström, résumé, Ærø, İstanbul, ß, ŉ",
    "Ǆemal ǅ ǆ Ω Å K ﬁ ①",
    "ΟΔΥΣΣΕΥΣ Σίσυφος",
    "北京欢迎你 and 東京 mixed漢字text",
    "tab\there\nnewline\rcarriage\u000bvtab\u000cformfeed\u0085nel",
    "nbsp\u00a0thin\u2009ideographic\u3000space\u2028line\u2029para",
    "zero\u200bwidth\u200djoiner\u00adsoft\ufeffbom\ufffdreplacement\u0000nul",
    "private\ue000use \U0001F600 emoji \u2603 snowman",
    "$5 + 3 = 8 < 9 > 7 ^ `quote` | ~ tilde @ # % & * _ -- ...",
    "«quoted» “curly” ‘single’ ¿qué? ¡sí! — dash – en … ellipsis · dot",
    "[CLS] literal [SEP] tokens [MASK] and [UNK] [PAD] [cls] [SEP",
    "a" * 100,
    "a" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "unaffable unflinchingly bleak",
    "xqzjvkw qqqqqq ⊗⊕ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "e\u0301 a\u0308 o\u0302\u0323 combining",
    "Straße ǰ ΐ ﬀ",
    "🤗 transformers",
]

# (max_length, pad_to) pairs checked on every edge case; pad_to = 0 means no padding.
ENCODE_SETTINGS = [(512, 0), (8, 0), (8, 16), (3, 4), (2, 2), (32, 64)]


def published_tokenizer():
    """The tokenizer of distilbert-base-uncased-finetuned-sst-2-english, loaded the way a user
    loads it: from_pretrained on a folder with the model's vocab.txt, tokenizer_config.json and
    config.json (models/distilbert/data holds exactly those)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(DATA))
    assert tok.vocab_size == 30522 and tok.convert_tokens_to_ids("[CLS]") == 101, tok
    return tok


def read_sst2(path):
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        header = f.readline()
        assert header.startswith("sentence\tlabel"), header
        for line in f:
            line = line.rstrip("\r\n")
            if line:
                rows.append(line.rsplit("\t", 1)[0])
    return rows


def cmd_tokens(args):
    import tokenizers
    import transformers

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fast = published_tokenizer()
    # Cross-check: tokenizer.json as shipped with bert-base-uncased, loaded by tokenizers alone.
    raw = tokenizers.Tokenizer.from_file(str(args.tokenizer_json)) if args.tokenizer_json else None
    for split in ("train", "dev"):
        sentences = read_sst2(DATA / "sst2" / f"{split}.tsv")
        ids = fast(sentences, add_special_tokens=True)["input_ids"]
        if raw is not None:
            raw_ids = [e.ids for e in raw.encode_batch(sentences)]
            diff = sum(a != b for a, b in zip(ids, raw_ids))
            print(f"{split}: {len(sentences)} sentences; tokenizer.json disagrees on {diff}")
        with gzip.GzipFile(out / f"sst2_{split}_ids.txt.gz", "wb", mtime=0) as f:
            f.write("".join(" ".join(map(str, row)) + "\n" for row in ids).encode())
        print(f"{split}: wrote {len(ids)} rows, longest {max(map(len, ids))} ids")

    cases = []
    for text in EDGE_CASES:
        case = {"text": text, "encodings": []}
        for max_length, pad_to in ENCODE_SETTINGS:
            enc = fast(text, truncation=True, max_length=max_length)
            if pad_to:
                enc = fast.pad(enc, padding="max_length", max_length=pad_to)
            case["encodings"].append({"max_length": max_length, "pad_to": pad_to,
                                      "ids": list(enc["input_ids"]),
                                      "attention_mask": list(enc["attention_mask"])})
        cases.append(case)
    meta = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__}
    (out / "tokenizer_cases.json").write_text(
        json.dumps({"versions": meta, "cases": cases}, ensure_ascii=True, indent=1) + "\n")
    print(f"wrote {len(cases)} edge cases")


def small_config():
    return {"vocab_size": 1000, "max_position_embeddings": 128, "dim": 64, "n_layers": 2,
            "n_heads": 4, "hidden_dim": 128, "activation": "gelu", "sinusoidal_pos_embds": False,
            "dropout": 0.1, "attention_dropout": 0.1, "seq_classif_dropout": 0.2,
            "initializer_range": 0.02, "pad_token_id": 0,
            "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
            "label2id": {"NEGATIVE": 0, "POSITIVE": 1}}


def cmd_checkpoint(args):
    import numpy as np
    import torch
    import transformers
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    torch.manual_seed(args.seed)
    if args.size == "full":
        config = DistilBertConfig(**json.loads((DATA / "config.json").read_text()))
    else:
        config = DistilBertConfig(**small_config())
    # HF's initializer_range (0.02) makes a random network nearly blind to its input (all logits
    # alike); a wider init makes the logits depend on every token, so the comparison has teeth.
    config.initializer_range = args.init_std or (0.1 if args.size == "small" else 0.05)
    model = DistilBertForSequenceClassification(config).eval()
    # HF initialises biases to 0 and LayerNorm to (1, 0); perturb them so that a loader or a
    # forward pass that drops a bias or a LayerNorm parameter cannot pass the comparison.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0.0, 0.1)
            elif "LayerNorm" in name or "layer_norm" in name:
                p.normal_(1.0, 0.1)
    if args.dtype != "F32":
        model = model.to({"F16": torch.float16, "BF16": torch.bfloat16}[args.dtype])

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    # save_pretrained writes the torch dtype into config.json; the C++ loader reads the dtype from
    # the safetensors header instead.

    # A padded batch: real sentences through the published tokenizer for the full-size model,
    # random ids of varied lengths for the small one (its vocabulary is only 1000 tokens).
    if args.size == "full":
        tok = published_tokenizer()
        sentences = read_sst2(DATA / "sst2" / "dev.tsv")[: args.batch]
        enc = tok(sentences, padding="longest", truncation=True, max_length=128)
        input_ids, mask = enc["input_ids"], enc["attention_mask"]
    else:
        rng = np.random.default_rng(args.seed)
        lengths = [3, 17, 9, 1 + 2, 32, 12, 5, 25][: args.batch]
        width = max(lengths)
        input_ids, mask = [], []
        for n in lengths:
            body = rng.integers(104, config.vocab_size, size=n - 2).tolist()
            row = [101] + body + [102]
            input_ids.append(row + [0] * (width - n))
            mask.append([1] * n + [0] * (width - n))

    # The reference runs in float64 on the weights exactly as saved (rounded to F16/BF16 if so).
    ref = model.to(torch.float64)
    with torch.no_grad():
        logits = ref(input_ids=torch.tensor(input_ids), attention_mask=torch.tensor(mask)).logits
    reference = {"versions": {"transformers": transformers.__version__,
                              "torch": torch.__version__},
                 "size": args.size, "dtype": args.dtype, "seed": args.seed,
                 "input_ids": input_ids, "attention_mask": mask,
                 "logits": logits.tolist()}
    (out / "reference.json").write_text(json.dumps(reference) + "\n")
    print(f"wrote {out}: logits[0] = {logits[0].tolist()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("tokens")
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer-json", type=pathlib.Path,
                   help="also compare with this tokenizer.json (bert-base-uncased) via tokenizers")
    p.set_defaults(func=cmd_tokens)
    p = sub.add_parser("checkpoint")
    p.add_argument("--size", choices=("small", "full"), required=True)
    p.add_argument("--dtype", choices=("F32", "F16", "BF16"), default="F32")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--init-std", type=float, default=None,
                   help="std of the random weights (default 0.1 small, 0.05 full)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_checkpoint)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
