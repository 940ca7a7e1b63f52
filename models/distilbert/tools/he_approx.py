"""HE-friendly non-linearities of hnn's DistilBERT: definition, fitting and PyTorch evaluation.

he_approx.json (format "hnn-he-approx/1") is the ONE definition the Python training and the C++
plaintext twin (hnn::nn::HeApproxSet, nn/src/he_approx.cpp) both read; the encrypted pipeline
evaluates the same series and iterations. Op kinds, each evaluated identically on both sides:

  chebyshev   y = sum_k c_k T_k(u), u = (2x - a - b) / (b - a)       (GELU, head ReLU, Soft-Argmax)
              depth = chebyshev_depth(degree)
  inv_sqrt    LayerNorm's 1/sqrt(v): y0 = chebyshev init of v^-1/2 on [a, b], then `newton`
              times y <- 1.5 y - (0.5 v y) (y y)                      depth = init + 2 per step
  softmax     over the n real keys of a row: x_j = s_j - mean_j s_j (softmax is shift-invariant);
              e_j = (1 + x_j / 2^k)^(2^k) by k squarings (NEXUS' exp); S = (1/n) sum_j e_j, which
              is >= 1 by Jensen (t^(2^k) is convex), <= exp(max_j x_j); y0 = chebyshev init of 1/S on
              [a, b], then `newton` times y <- y (2 - S y); p_j = e_j (y / n)
              depth = 1 (centring) + 1 + k (exp) + 1 (S) + init + 2 newton + 1 (p_j)

Depth counts: a Chebyshev series of degree d evaluated baby-step giant-step in the Chebyshev basis
costs ceil(log2(d + 1)) levels, plus 1 for the change of variable u = alpha x + beta (foldable
into a preceding plaintext linear layer); the scalar 0.5 v and the affine map of exp likewise.
"""
import json
import math

import numpy as np
from numpy.polynomial import chebyshev as C
import torch

FORMAT = "hnn-he-approx/1"


def chebyshev_depth(degree):
    return 1 if degree <= 1 else 1 + math.ceil(math.log2(degree + 1))


# ---- reference functions (float64 numpy; the C++ tests use the same definitions in long double) --
def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def reference(function, temperature=1.0):
    return {
        "gelu": _gelu,
        "relu": lambda x: np.maximum(x, 0.0),
        "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x / temperature)),
        "inv_sqrt": lambda x: 1.0 / np.sqrt(x),
        "reciprocal": lambda x: 1.0 / x,
    }[function]


def fit_chebyshev(function, a, b, degree, temperature=1.0):
    f = reference(function, temperature)
    coeffs = C.chebinterpolate(lambda u: f((b - a) / 2 * u + (a + b) / 2), degree)
    return {"a": float(a), "b": float(b), "coeffs": [float(c) for c in coeffs]}


def cheb_eval_np(series, x):
    a, b = series["a"], series["b"]
    return C.chebval((2 * x - a - b) / (b - a), np.asarray(series["coeffs"]))


def inv_sqrt_np(op, v):
    y = cheb_eval_np(op["init"], v)
    for _ in range(op["newton"]):
        y = 1.5 * y - (0.5 * v * y) * (y * y)
    return y


def reciprocal_np(op, s):
    y = cheb_eval_np(op["init"], s)
    for _ in range(op["newton"]):
        y = y * (2 - s * y)
    return y


def exp_np(op, s):
    t = 1 + (s - op["shift"]) / 2 ** op["squarings"]
    for _ in range(op["squarings"]):
        t = t * t
    return t


def _grid(a, b, n=20001, log=False):
    return np.geomspace(a, b, n) if log else np.linspace(a, b, n)


def max_rel_error(fn, exact, a, b):
    x = _grid(a, b, log=True)
    return float(np.max(np.abs(fn(x) / exact(x) - 1)))


def fit_iterative(kind, a, b, tol):
    """Smallest-depth (Chebyshev init degree, Newton steps) for 1/sqrt (inv_sqrt) or 1/x
    (reciprocal) on [a, b] with max relative error <= tol; ties go to fewer multiplications."""
    best = None
    for degree in (1, 3, 7, 15, 31, 63):
        init = fit_chebyshev(kind, a, b, degree)
        for newton in range(0, 9):
            op = {"init": init, "newton": newton}
            fn = (lambda x: inv_sqrt_np(op, x)) if kind == "inv_sqrt" else (lambda x: reciprocal_np(op, x))
            err = max_rel_error(fn, reference(kind), a, b)
            if err <= tol:
                depth = chebyshev_depth(degree) + 2 * newton
                cost = (depth, degree + 3 * newton)
                if best is None or cost < best[0]:
                    best = (cost, {"init": init, "newton": newton, "max_rel_error": err, "depth": depth})
                break
    if best is None:
        raise SystemExit(f"no {kind} approximation on [{a}, {b}] reaches relative error {tol}: the "
                         "range is too wide (ratio {b / a:.3g})")
    return best[1]


# ---- PyTorch evaluation -----------------------------------------------------------------------
def _clenshaw(u, coeffs):
    b1 = torch.zeros_like(u)
    b2 = torch.zeros_like(u)
    two_u = 2 * u
    for k in range(coeffs.numel() - 1, 0, -1):
        b1, b2 = two_u * b1 - b2 + coeffs[k], b1
    return u * b1 - b2 + coeffs[0]


class _Series:
    def __init__(self, s):
        self.a, self.b = s["a"], s["b"]
        c = np.asarray(s["coeffs"], dtype=np.float64)
        # d/du of the series, times du/dx = 2 / (b - a)
        dc = C.chebder(c) * (2 / (self.b - self.a)) if c.size > 1 else np.zeros(1)
        self.c64, self.dc64 = torch.tensor(c), torch.tensor(dc)
        self.cache = {}

    def u(self, x):
        return (2 * x - self.a - self.b) / (self.b - self.a)

    def __call__(self, x):
        key = x.dtype
        if key not in self.cache:
            self.cache[key] = (self.c64.to(key), self.dc64.to(key))
        c, dc = self.cache[key]
        # d/dx is the derivative series (du/dx folded in), so u itself is not differentiated
        u = self.u(x)
        return _ChebFnX.apply(x, u.detach(), c, dc) if x.requires_grad else _clenshaw(u, c)


class _ChebFnX(torch.autograd.Function):
    """Clenshaw evaluation without storing the recurrence for autograd: the backward pass uses the
    derivative series, so memory stays O(input) for any degree."""

    @staticmethod
    def forward(ctx, x, u, coeffs, dcoeffs):
        ctx.save_for_backward(u, dcoeffs)
        return _clenshaw(u, coeffs)

    @staticmethod
    def backward(ctx, g):
        u, dcoeffs = ctx.saved_tensors
        return g * _clenshaw(u, dcoeffs), None, None, None


def _excess(u):
    return torch.relu(u.abs() - 1)


class HeApprox:
    def __init__(self, spec):
        if spec.get("format") != FORMAT:
            raise SystemExit(f"he_approx: format {spec.get('format')!r}, expected {FORMAT!r}")
        self.spec = spec
        self.ops = spec["ops"]
        self.series = {}

    @staticmethod
    def load(path):
        with open(path) as f:
            return HeApprox(json.load(f))

    def _s(self, key, s):
        if key not in self.series:
            self.series[key] = _Series(s)
        return self.series[key]

    def midpoint(self, name):
        a, b = self.ops[name]["interval"]
        return 0.5 * (a + b)

    def _penalise(self, model, u, rows, mask=None):
        """Squared excess of the normalised input beyond [-1, 1], summed over real tokens (mask
        [b, n], broadcast over trailing dimensions), per sentence."""
        if model.range_penalty is not None:
            ex = _excess(u) ** 2
            if mask is not None:
                ex = ex * mask.to(u.dtype).reshape(mask.shape + (1,) * (u.dim() - mask.dim()))
            model.range_penalty.append(ex.sum() / rows)

    # While training (model.training or self.force_guards), an input outside its approximation's
    # interval gets the exact function instead (the polynomial at a clamped input keeps that branch
    # finite) and its excess is penalised: until the penalty has pulled outliers in, a polynomial
    # evaluated far outside its interval would overflow and wreck the gradients. In evaluation
    # there is no guard: the forward pass is exactly the C++ twin's.
    force_guards = False

    def _guarded(self, model, x, lo, hi, approx, exact):
        if not (model.training or self.force_guards):
            return approx(x)
        inside = (x >= lo) & (x <= hi)
        return torch.where(inside, approx(x.clamp(lo, hi)), exact(x))

    def chebyshev(self, name, x, model, mask=None):
        op = self.ops[name]
        s = self._s(name, op)
        self._penalise(model, s.u(x), x.shape[0], mask)
        exact = {"gelu": torch.nn.functional.gelu, "relu": torch.relu}.get(op["function"])
        if exact is None:
            return s(x)
        return self._guarded(model, x, s.a, s.b, s, exact)

    def inv_sqrt(self, name, v, model, mask=None):
        op = self.ops[name]
        init = self._s(name + ".init", op["init"])
        self._penalise(model, init.u(v), v.shape[0], mask)

        def approx(v):
            y = init(v)
            for _ in range(op["newton"]):
                y = 1.5 * y - (0.5 * v * y) * (y * y)
            return y

        return self._guarded(model, v, init.a, init.b, approx, torch.rsqrt)

    def softmax(self, name, scores, keymask, mask, model):
        op = self.ops[name]
        k = op["squarings"]
        n = keymask.sum(-1, keepdim=True)
        mean = (scores * keymask).sum(-1, keepdim=True) / n
        t = 1 + (scores - mean) * (1.0 / 2 ** k)
        rowmask = mask[:, None, :, None].to(scores.dtype)
        if model.range_penalty is not None:
            # 1 + x/2^k must stay >= -1 on real keys, else the squarings blow up: x >= -2^(k+1)
            real = keymask.expand_as(scores) * rowmask
            model.range_penalty.append(((torch.relu(-t - 1) * real) ** 2).sum() / scores.shape[0])
        if model.training or self.force_guards:
            t = torch.where(t < -1, torch.zeros_like(t), t)  # exp(x) ~ 0 there
        for _ in range(k):
            t = t * t
        e = t * keymask
        ssum = e.sum(-1, keepdim=True) / n
        ssum = torch.where(rowmask.bool(), ssum, self.midpoint(name))
        init = self._s(name + ".init", op["init"])
        if model.range_penalty is not None:
            # in the log domain: the sums of peaked rows exceed the interval by orders of magnitude
            excess = torch.relu(torch.log(ssum) - math.log(init.b)) * rowmask
            model.range_penalty.append((excess ** 2).sum() / scores.shape[0])

        def approx(ssum):
            y = init(ssum)
            for _ in range(op["newton"]):
                y = y * (2 - ssum * y)
            return y

        y = self._guarded(model, ssum, init.a, init.b, approx, torch.reciprocal)
        return e * (y / n)

    def soft_argmax_sigmoid(self, diff):
        return self._s("soft_argmax", self.ops["soft_argmax"])(diff)


# ---- fitting from measured ranges --------------------------------------------------------------
def widen(lo, hi, margin):
    w = hi - lo
    return lo - margin * w, hi + margin * w


def fit_all(ranges, n_layers, args):
    """ranges: output of `train_sst2.py measure` (min/max/quantiles of every non-linearity's input
    on SST-2 train). Returns the he_approx.json dict."""
    ops = {}
    notes = {}

    def ln_op(name):
        r = ranges[name]
        lo = max(r["min"] * (1 - args.margin), 1e-6)
        hi = r["max"] * (1 + args.margin)
        op = fit_iterative("inv_sqrt", lo, hi, args.tol)
        ops[name] = {"kind": "inv_sqrt", "interval": [lo, hi], **op,
                     "measured": [r["min"], r["max"]]}

    ln_op("embeddings.ln")
    for i in range(n_layers):
        p = f"layer{i}."
        # softmax: x = s - row mean; S = mean_j exp_k(x_j) in [1, exp(gap)], gap = log S measured
        # with the exact exponential (an upper bound for exp_k); gaps above --max-gap are pulled
        # in by the range penalty of HE-friendly fine-tuning.
        x = ranges[p + "softmax.centered"]
        g = ranges[p + "softmax.gap"]
        k = args.exp_squarings
        while x["min"] * (1 + args.margin) < -(2 ** (k + 1)):
            k += 1
        lo = 1 - args.margin
        hi = math.exp(min(g["max"] * (1 + args.margin), args.max_gap))
        op = fit_iterative("reciprocal", lo, hi, args.tol)
        ops[p + "softmax"] = {"kind": "softmax", "center": "mean", "squarings": k, "interval": [lo, hi],
                              **op, "depth": 3 + k + op["depth"],
                              "measured_centered_scores": [x["min"], x["max"]],
                              "measured_log_sum": [g["min"], g["q999"], g["max"]]}
        ln_op(p + "sa_ln")
        g = ranges[p + "gelu"]
        a, b = widen(g["min"], g["max"], args.margin)
        for degree in [d for d in (15, 31, 63) if d < args.gelu_degree] + [args.gelu_degree]:
            s = fit_chebyshev("gelu", a, b, degree)
            xs = _grid(a, b)
            if np.max(np.abs(cheb_eval_np(s, xs) - _gelu(xs))) <= args.gelu_tol:
                break
        ops[p + "gelu"] = {"kind": "chebyshev", "function": "gelu", **s,
                           "depth": chebyshev_depth(degree), "measured": [g["min"], g["max"]]}
        ln_op(p + "out_ln")
    h = ranges["head.relu"]
    a, b = widen(h["min"], h["max"], args.margin)
    ops["head.relu"] = {"kind": "chebyshev", "function": "relu", **fit_chebyshev("relu", a, b, args.relu_degree),
                        "depth": chebyshev_depth(args.relu_degree), "measured": [h["min"], h["max"]]}
    for name, op in ops.items():
        if op["kind"] == "chebyshev":
            f = reference(op["function"], op.get("temperature", 1.0))
            x = _grid(op["a"], op["b"])
            op["max_abs_error"] = float(np.max(np.abs(cheb_eval_np(op, x) - f(x))))
        notes[name] = op["depth"]
    return {"format": FORMAT, "ops": ops}


def add_soft_argmax(spec, temperature, diff_min, diff_max, degree, margin):
    a, b = widen(diff_min, diff_max, margin)
    s = fit_chebyshev("sigmoid", a, b, degree, temperature)
    f = reference("sigmoid", temperature)
    x = _grid(a, b)
    spec["ops"]["soft_argmax"] = {
        "kind": "chebyshev", "function": "sigmoid", "temperature": float(temperature), **s,
        "depth": chebyshev_depth(degree), "measured": [diff_min, diff_max],
        "max_abs_error": float(np.max(np.abs(cheb_eval_np(s, x) - f(x))))}
    return spec
