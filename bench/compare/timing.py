"""Helpers shared by the comparison scripts (standard library only): timing and the vector code in
a peer's libraries for the peer scripts (seal_bench.py, openfhe_bench.py, openfhe_bootstrap.py),
and the kernels an hnn benchmark ran for the reports (report.py, bootstrap.sh)."""
import glob
import os
import shutil
import statistics
import subprocess
import time

MIN_SAMPLE_S = 0.05  # a sample of a fast operation loops it until it lasts this long


def measure(fn, reps):
    """Median wall (perf_counter) and CPU (process_time) ms per call of fn.

    One warm-up call, then reps samples (at most 3 when a call takes over 1 s). process_time counts
    every thread of the process, so cpu_ms > ms would reveal a multi-threaded peer.
    """
    t0 = time.perf_counter()
    fn()  # warm-up
    one = time.perf_counter() - t0
    if one < 0.1:  # re-time a fast call: the warm-up may include first-touch page faults
        t0 = time.perf_counter()
        fn()
        one = time.perf_counter() - t0
    inner = max(1, int(MIN_SAMPLE_S / max(one, 1e-9)))
    if one > 1.0:
        reps = min(reps, 3)
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(inner):
            fn()
        c1, w1 = time.process_time(), time.perf_counter()
        wall.append((w1 - w0) / inner * 1e3)
        cpu.append((c1 - c0) / inner * 1e3)
    return {"ms": statistics.median(wall), "cpu_ms": statistics.median(cpu), "samples_ms": wall,
            "inner_loops": inner}


def minus(a, b, scale=1.0):
    """(a - b) * scale for the ms and cpu_ms medians, keeping both measurements as detail."""
    return {"ms": (a["ms"] - b["ms"]) * scale, "cpu_ms": (a["cpu_ms"] - b["cpu_ms"]) * scale,
            "detail": {"minuend": a, "subtrahend": b}}


def vector_code(module):
    """How many instructions name a ymm (AVX2) or zmm (AVX-512) register in the shared libraries
    of an imported package (objdump -d): '0 ymm, 0 zmm' is a build for plain x86-64, whose times
    are to be set beside hnn's portable loops (HNN_SIMD=portable) as well as beside its kernels."""
    if not shutil.which("objdump"):
        return "not checked (no objdump)"
    path = os.path.abspath(module.__file__)
    if os.path.basename(path).startswith("__init__."):  # a package: every library under it
        root = os.path.dirname(path)
        libs = sorted(glob.glob(os.path.join(root, "**", "*.so*"), recursive=True))
    else:  # one extension module (seal-python's), not its neighbours in site-packages
        libs = [path] if ".so" in os.path.basename(path) else []
    if not libs:
        return "not checked (no shared library at " + path + ")"
    ymm = zmm = 0
    for lib in libs:
        text = subprocess.run(["objdump", "-d", lib], capture_output=True, text=True).stdout
        for line in text.splitlines():
            ymm += "%ymm" in line
            zmm += "%zmm" in line
    return f"{ymm} ymm, {zmm} zmm in {', '.join(os.path.basename(x) for x in libs)}"


def hnn_kernels(benchmark_json):
    """The kernels an hnn benchmark run picked, from its JSON context (bench/bench_context.h)."""
    ctx = benchmark_json.get("context", {})
    return f"simd {ctx.get('simd', '?')}, NTT {ctx.get('ntt_kernel', '?')}"
