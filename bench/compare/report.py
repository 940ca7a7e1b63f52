#!/usr/bin/env python3
"""Joins hnn's Google Benchmark JSON with the SEAL / OpenFHE JSON into one markdown table.

Prints the table and writes compare_<date>.md and compare_<date>.json (table, raw inputs,
machine, hnn commit, package versions) into --out-dir. Ratio = peer ms / hnn ms (> 1: hnn faster).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess

from timing import hnn_kernels

UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
OPS = ["HMultRelin", "Relinearize", "Rescale", "Rotate", "Rotate16Hoisted", "Rotate16Sequential"]
OP_LABEL = {
    "HMultRelin": "HMult + relinearize",
    "Relinearize": "Relinearize",
    "Rescale": "Rescale",
    "Rotate": "Rotate (1 step)",
    "Rotate16Hoisted": "16 rotations, hoisted",
    "Rotate16Sequential": "16 rotations, sequential",
}
P_NTT = "logN {}, one 55-bit prime"
P_N15 = "n15: logN 15, 15x55-bit Q + one 56-bit P, dnum 15 (SEAL default 881 bits; same on both)"
P_N15H = ("hnn hybrid (same N and total modulus, different Q/P split): hnn n15h = 12x55 Q + 4 P, dnum 3;"
          " SEAL = n15")
P_N16 = ("n16: logN 16, 24 Q (60 + 23x40), 6x60 P, dnum 3 (hnn, OpenFHE). SEAL: different shape,"
         " 24 Q + one 60-bit P, dnum 24")


def rows_spec():
    """(operation, parameters, hnn name, SEAL key, OpenFHE key, note)."""
    rows = []
    for log_n in (15, 16):
        rows.append(("NTT forward", P_NTT.format(log_n), f"BM_NTT/logN:{log_n}/limbs:1", f"NTT/logN:{log_n}", None,
                     "SEAL: transform_to_ntt on a 2-poly 1-limb ciphertext, copy subtracted; OpenFHE: NTT not exposed"))
        rows.append(("NTT inverse", P_NTT.format(log_n), f"BM_INTT/logN:{log_n}/limbs:1", f"INTT/logN:{log_n}", None,
                     "SEAL: (to+from pair - forward), per polynomial; OpenFHE: NTT not exposed"))
    for params, hnn_set in ((P_N15, "n15"), (P_N15H, "n15h")):
        for op in OPS:
            seal_op, note = op, ""
            if op == "Rotate16Hoisted":
                seal_op, note = "Rotate16Sequential", "SEAL has no hoisting API: SEAL column = 16 sequential rotations"
            if op == "Relinearize":
                note = "copy of the 3-component input not timed"
            rows.append((OP_LABEL[op], params, f"{op}/{hnn_set}", f"{seal_op}/n15", None, note))
    for op in OPS:
        note = ""
        if op.startswith("Rotate16"):
            note = "SEAL n16 not run: 16 Galois keys at dnum 24 would need ~10 GB"
        if op == "Relinearize":
            note = "copy of the 3-component input not timed"
        if op == "Rescale":
            note = "OpenFHE rescales the relinearized product (FIXEDMANUAL needs noise degree 2)"
        seal_key = None if op.startswith("Rotate16") else f"{op}/n16"
        rows.append((OP_LABEL[op], P_N16, f"{op}/n16", seal_key, f"{op}/n16", note))
    return rows


def hnn_times(doc, metric):
    """name -> ms (real_time or cpu_time; the median aggregate when repetitions were run)."""
    plain, median = {}, {}
    for b in doc.get("benchmarks", []):
        ms = b[metric + "_time"] * UNIT_MS[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                median[b["run_name"]] = ms
        else:
            plain.setdefault(b.get("run_name", b["name"]), ms)
    plain.update(median)
    return plain


def peer_times(doc, metric):
    field = "ms" if metric == "real" else "cpu_ms"
    return {r["key"]: r[field] for r in (doc or {}).get("results", [])}


def fmt(ms):
    if ms is None:
        return "-"
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.1f}"


def ratio(peer, hnn):
    return f"{peer / hnn:.2f}" if peer is not None and hnn else "-"


def sh(*cmd):
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")  # read-only git: never take the index lock
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine():
    model = ""
    for line in sh("lscpu").splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    return {"cpu": model or platform.processor(), "logical_cpus": os.cpu_count(), "os": platform.platform(),
            "load_avg_at_report": list(os.getloadavg())}


def load(path):
    if path and os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path) as f:
            return json.load(f)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hnn", required=True)
    ap.add_argument("--seal")
    ap.add_argument("--openfhe")
    ap.add_argument("--openfhe-skipped", default="", help="why OpenFHE did not run")
    ap.add_argument("--seal-skipped", default="", help="why SEAL did not run")
    ap.add_argument("--binary", default="")
    ap.add_argument("--repo", default=".")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--metric", choices=["real", "cpu"], default="real",
                    help="real: wall clock (hnn real_time, peers perf_counter); cpu: hnn cpu_time, peers process_time")
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()

    hnn_doc, seal_doc, ofhe_doc = load(a.hnn), load(a.seal), load(a.openfhe)
    if hnn_doc is None:
        raise SystemExit(f"report.py: no hnn benchmark JSON in {a.hnn}")
    h, s, o = hnn_times(hnn_doc, a.metric), peer_times(seal_doc, a.metric), peer_times(ofhe_doc, a.metric)

    table_rows = []
    for op, params, hk, sk, ok, note in rows_spec():
        hv, sv, ov = h.get(hk), s.get(sk) if sk else None, o.get(ok) if ok else None
        if hv is None or (sv is None and ov is None):  # nothing to compare
            continue
        if sv is not None and sv <= 0:  # a derived figure (subtraction) swamped by noise
            note = (note + "; " if note else "") + "SEAL figure <= 0: noise, rerun on a quiet machine"
        table_rows.append({"operation": op, "parameters": params, "hnn_benchmark": hk, "hnn_ms": hv,
                           "seal_key": sk, "seal_ms": sv, "seal_over_hnn": sv / hv if sv and hv else None,
                           "openfhe_key": ok, "openfhe_ms": ov, "openfhe_over_hnn": ov / hv if ov and hv else None,
                           "note": note})

    now = datetime.datetime.now().astimezone()
    commit = sh("git", "-C", a.repo, "rev-parse", "--short", "HEAD")
    dirty = bool(sh("git", "-C", a.repo, "status", "--porcelain", "--untracked-files=no"))
    build_type = ""
    cache = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(a.binary or "."))), "CMakeCache.txt")
    if os.path.exists(cache):
        for line in open(cache):
            if line.startswith("CMAKE_BUILD_TYPE:"):
                build_type = line.split("=", 1)[1].strip()
    mach = machine()
    versions = {
        "seal": (f"{seal_doc['package']} (SEAL {seal_doc['seal_version']})" if seal_doc
                 else f"not run: {a.seal_skipped or 'no output'}"),
        "openfhe": (f"{ofhe_doc['package']} (Python {ofhe_doc.get('python', '?')})" if ofhe_doc
                    else f"not run: {a.openfhe_skipped or 'no output'}"),
    }
    # The kernels hnn ran (its benchmark context; HNN_SIMD=portable: plain C++ loops) and the vector
    # code in the peers' libraries, so that a plain x86-64 peer build is set beside the right hnn run.
    kernels = hnn_kernels(hnn_doc)
    vector = {"seal": (seal_doc or {}).get("vector_code", "?"), "openfhe": (ofhe_doc or {}).get("vector_code", "?")}

    md = [f"# hnn vs SEAL / OpenFHE ({a.mode} run, {now:%Y-%m-%d %H:%M %Z})", "",
          f"- machine: {mach['cpu']}, {mach['logical_cpus']} logical CPUs, {mach['os']}",
          f"- hnn: commit {commit}{' (working tree modified)' if dirty else ''}, {a.binary}"
          f"{f' (CMAKE_BUILD_TYPE={build_type})' if build_type else ''}, Google Benchmark median; kernels: {kernels}",
          f"- SEAL: {versions['seal']}; vector code: {vector['seal']}",
          f"- OpenFHE: {versions['openfhe']}; vector code: {vector['openfhe']}",
          "- all single-threaded (OMP_NUM_THREADS=1); times in ms per operation, median of repetitions; "
          + ("wall clock (hnn real_time, peers time.perf_counter)" if a.metric == "real"
             else "CPU time (hnn cpu_time, peers time.process_time)"),
          "- ratio = peer ms / hnn ms: > 1 means hnn is faster", "",
          "| operation | parameters | hnn ms | SEAL ms | SEAL/hnn | OpenFHE ms | OpenFHE/hnn | notes |",
          "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in table_rows:
        md.append(f"| {r['operation']} | {r['parameters']} | {fmt(r['hnn_ms'])} | {fmt(r['seal_ms'])} | "
                  f"{ratio(r['seal_ms'], r['hnn_ms'])} | {fmt(r['openfhe_ms'])} | "
                  f"{ratio(r['openfhe_ms'], r['hnn_ms'])} | {r['note']} |")
    md.append("")
    text = "\n".join(md)
    print(text)

    os.makedirs(a.out_dir, exist_ok=True)
    portable = "_hnn-portable" if hnn_doc.get("context", {}).get("simd") == "portable" else ""
    stem = os.path.join(a.out_dir, f"compare_{now:%Y-%m-%d_%H%M%S}{'_quick' if a.mode == 'quick' else ''}{portable}")
    with open(stem + ".md", "w") as f:
        f.write(text)
    with open(stem + ".json", "w") as f:
        json.dump({"date": now.isoformat(), "mode": a.mode, "metric": a.metric, "machine": mach,
                   "hnn": {"commit": commit, "working_tree_modified": dirty, "binary": a.binary,
                           "cmake_build_type": build_type, "kernels": kernels, "benchmark_json": hnn_doc},
                   "versions": versions, "vector_code": vector, "seal": seal_doc, "openfhe": ofhe_doc, "rows": table_rows}, f, indent=1)
    print(f"wrote {stem}.md and {stem}.json")


if __name__ == "__main__":
    main()
