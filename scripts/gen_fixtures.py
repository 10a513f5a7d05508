#!/usr/bin/env python3
"""Generates the PyTorch fixtures convgrad's tests compare with.

Run with Debian's PyTorch:  /usr/bin/python3 scripts/gen_fixtures.py [--seed N] [--out DIR] [--cases N]
Writes conv_cases.json, print_cases.json, error_cases.json and module_cases.json into DIR
(default test/fixtures). Tests never run Python; they read the committed JSON.
A different --seed gives configurations the project has never seen (scripts/check_fresh.mjs).
"""
import argparse
import json
import math
import os
import random
import warnings

import torch
import torch.nn.functional as F

from fixture_json import flat, number
from training_fixtures import export_cases, extras_cases, image_folder_cases, layer_cases, loader_cases, transform_cases, nn_cases, ops_cases, safetensors_cases, training_cases

warnings.filterwarnings("ignore")


def tensor_json(t):
    return None if t is None else {"shape": list(t.shape), "data": flat(t)}


CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONVT = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
MAX_LEN = {1: 9, 2: 6, 3: 4}
MAX_K = {1: 3, 2: 3, 3: 2}


def sample_conv(rng, dims, transposed, dtype):
    groups = rng.choice([1, 1, 1, 2, 3])
    cin = groups * rng.randint(1, 2)
    cout = groups * rng.randint(1, 2)
    k = [rng.randint(1, MAX_K[dims]) for _ in range(dims)]
    stride = [rng.randint(1, 3) for _ in range(dims)]
    dilation = [rng.randint(1, 2) for _ in range(dims)]
    batch = rng.choice([None, 1, 2])
    bias = rng.random() < 0.6
    opts = {"stride": stride, "dilation": dilation, "groups": groups}
    if transposed:
        padding = [rng.randint(0, 2) for _ in range(dims)]
        out_pad = [rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dilation)]
        size = []
        for i in range(dims):
            for _ in range(100):
                L = rng.randint(1, MAX_LEN[dims] - 1)
                out = (L - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + out_pad[i] + 1
                if out > 0:
                    break
            else:
                padding[i] = 0
                L = 2
            size.append(L)
        opts.update(padding=padding, outputPadding=out_pad)
        wshape = [cin, cout // groups] + k
        xshape = [cin] + size
    else:
        mode = rng.choice(["zeros", "zeros", "reflect", "replicate", "circular"])
        pchoice = rng.random()
        if pchoice < 0.15 and all(s == 1 for s in stride):
            padding = "same"
        elif pchoice < 0.25:
            padding = "valid"
        elif pchoice < 0.6:
            padding = rng.randint(0, 2)
        else:
            padding = [rng.randint(0, 2) for _ in range(dims)]
        pads = padding if isinstance(padding, list) else [padding] * dims if isinstance(padding, int) else None
        size = []
        for i in range(dims):
            span = dilation[i] * (k[i] - 1) + 1
            if padding == "same":
                total = dilation[i] * (k[i] - 1)
                lo, hi = total // 2, total - total // 2
            elif padding == "valid":
                lo = hi = 0
            else:
                lo = hi = pads[i]
            least = max(1, span - lo - hi, (max(lo, hi) + 1) if mode == "reflect" else 1, max(lo, hi) if mode == "circular" else 1)
            size.append(rng.randint(least, max(least, MAX_LEN[dims])))
        opts.update(padding=padding, paddingMode=mode)
        wshape = [cout, cin // groups] + k
        xshape = [cin] + size
    if batch is not None:
        xshape = [batch] + xshape
    bshape = [(cout if transposed else cout)] if bias else None
    return {"dims": dims, "transposed": transposed, "dtype": dtype, "xShape": xshape, "wShape": wshape, "bShape": bshape, "options": opts}


def run_conv(case, x, w, b):
    o = case["options"]
    dims = case["dims"]
    if case["transposed"]:
        return CONVT[dims](x, w, b, stride=o["stride"], padding=o["padding"], output_padding=o["outputPadding"], groups=o["groups"], dilation=o["dilation"])
    mode = o["paddingMode"]
    padding = o["padding"]
    if mode != "zeros":
        # What nn.ConvNd does: F.pad by _reversed_padding_repeated_twice, then conv with padding 0.
        module = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}[dims](
            case["xShape"][-dims - 1], case["wShape"][0], case["wShape"][2:], stride=o["stride"], padding=padding,
            dilation=o["dilation"], groups=o["groups"], bias=False, padding_mode=mode)
        unbatched = x.dim() == dims + 1
        # PyTorch 1.13's F.pad rejects some unbatched non-constant pads: pad a batch of one instead.
        x = F.pad(x.unsqueeze(0) if unbatched else x, module._reversed_padding_repeated_twice, mode=mode)
        x = x.squeeze(0) if unbatched else x
        padding = 0
    return CONV[dims](x, w, b, stride=o["stride"], padding=padding, dilation=o["dilation"], groups=o["groups"])


def conv_cases(rng, count):
    cases = []
    dtypes = ["float64", "float32"]
    i = 0
    while len(cases) < count:
        dims = [1, 2, 3][i % 3]
        transposed = (i // 3) % 3 == 2
        dtype = dtypes[(i // 9) % 2]
        i += 1
        case = sample_conv(rng, dims, transposed, dtype)
        tdtype = torch.float64 if dtype == "float64" else torch.float32
        x = torch.randn(case["xShape"], dtype=tdtype, requires_grad=True)
        w = torch.randn(case["wShape"], dtype=tdtype, requires_grad=True)
        b = torch.randn(case["bShape"], dtype=tdtype, requires_grad=True) if case["bShape"] else None
        y = run_conv(case, x, w, b)
        dy = torch.randn(y.shape, dtype=tdtype, requires_grad=True)
        inputs = [x, w] + ([b] if b is not None else [])
        grads = torch.autograd.grad(y, inputs, dy, create_graph=True)
        # Double backward: differentiate s = Σ_i <grad_i, v_i> with respect to x, w and dy.
        vs = [torch.randn(g.shape, dtype=tdtype) for g in grads[:2]]
        s = sum((g * v).sum() for g, v in zip(grads[:2], vs))
        gg = torch.autograd.grad(s, [x, w, dy], allow_unused=True)
        case.update(
            x=flat(x), w=flat(w), b=flat(b) if b is not None else None, dy=flat(dy),
            y={"shape": list(y.shape), "data": flat(y)},
            dx=flat(grads[0]), dw=flat(grads[1]), db=flat(grads[2]) if b is not None else None,
            gradFn=y.grad_fn.name() if y.grad_fn is not None else None,
            vx=flat(vs[0]), vw=flat(vs[1]),
            ggx=None if gg[0] is None else flat(gg[0]), ggw=None if gg[1] is None else flat(gg[1]), ggdy=None if gg[2] is None else flat(gg[2]),
        )
        cases.append(case)
    return cases


def print_cases(rng):
    cases = []

    def add(t, requires_grad=False):
        t = t.detach().clone()
        if requires_grad:
            t.requires_grad_(True)
        cases.append({"shape": list(t.shape), "dtype": "float64" if t.dtype == torch.float64 else "float32",
                      "requiresGrad": requires_grad, "data": flat(t), "str": str(t)})

    shapes = [[], [1], [3], [7], [12], [25], [2, 3], [4, 5], [3, 1, 4], [2, 2, 3], [1, 1, 4, 4], [2, 1, 3, 3], [2, 2, 2, 2, 2], [0], [0, 3], [2, 0]]
    scales = [1, 1e-5, 3e-4, 1e-3, 0.1, 10, 123.456, 1e4, 1e7, 2e8, 1e12]
    for shape in shapes:
        for scale in rng.sample(scales, 4):
            for dtype in [torch.float32, torch.float64]:
                add(torch.randn(shape, dtype=dtype) * scale, requires_grad=rng.random() < 0.3)
    # Integral values, mixed magnitudes, ties of round-half-even, negative zero, nan and inf.
    add(torch.arange(1.0, 17).view(1, 1, 4, 4))
    add(torch.tensor([1.0, 2.0, 3000.0]))
    add(torch.tensor([1.0, -2.0, 1e9]))
    add(torch.tensor([1.90625, 2.5, 0.03125, -1.90625]))
    add(torch.tensor([0.00005, 1.0]))
    add(torch.tensor([-0.0, 0.0]))
    add(torch.tensor([0.0, 0.0]))
    add(torch.tensor([float("nan"), float("inf"), 1.0]))
    add(torch.tensor([float("nan"), -float("inf"), 1.5]))
    add(torch.tensor([1e-5, 1e5]), requires_grad=True)
    add(torch.tensor(3.5))
    add(torch.tensor(-0.0))
    add(torch.tensor(1e-10, dtype=torch.float64))
    add(torch.tensor([[1.6875, 2.4375, 1.96875], [3.0, 4.25, 3.375], [2.8125, 3.9375, 3.09375]]))
    add(torch.tensor([123456.0, 0.5]))
    add(torch.randn(40) * 1000, requires_grad=True)
    add(torch.randn(3, 30) * 100)
    # Summarized printing (more than 1000 elements).
    add(torch.randn(1001))
    add(torch.randn(40, 40) * 50)
    add(torch.randn(2, 3, 13, 17, dtype=torch.float64), requires_grad=True)
    add(torch.arange(0.0, 1200.0).view(30, 40))
    # grad_fn suffixes.
    x = torch.randn(2, 3, requires_grad=True)
    for y in [x * 2, x.sum(), x.mean(), x.exp(), x + 1]:
        cases.append({"shape": list(y.shape), "dtype": "float32", "requiresGrad": True, "data": flat(y), "str": str(y),
                      "gradFnName": y.grad_fn.name()})
    return cases


def error_cases():
    """Configurations PyTorch rejects, with the argument our message must name."""
    out = []

    def case(fn, arg, **desc):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            out.append(dict(desc, arg=arg, torch=f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"))
            return
        raise AssertionError(f"PyTorch accepted {desc}")

    r = torch.randn
    case(lambda: F.conv2d(r(1, 4, 5, 5), r(2, 2, 3, 3), groups=3), "groups", op="conv2d", x=[1, 4, 5, 5], w=[2, 2, 3, 3], options={"groups": 3})
    case(lambda: F.conv2d(r(1, 4, 5, 5), r(3, 2, 3, 3), groups=2), "groups", op="conv2d", x=[1, 4, 5, 5], w=[3, 2, 3, 3], options={"groups": 2})
    case(lambda: F.conv2d(r(1, 3, 5, 5), r(2, 2, 3, 3)), "channels", op="conv2d", x=[1, 3, 5, 5], w=[2, 2, 3, 3], options={})
    case(lambda: F.conv2d(r(5, 5), r(2, 1, 3, 3)), "input", op="conv2d", x=[5, 5], w=[2, 1, 3, 3], options={})
    case(lambda: F.conv2d(r(1, 1, 5, 5), r(2, 1, 3)), "weight", op="conv2d", x=[1, 1, 5, 5], w=[2, 1, 3], options={})
    case(lambda: F.conv1d(r(1, 1, 5), r(2, 1, 3), stride=0), "stride", op="conv1d", x=[1, 1, 5], w=[2, 1, 3], options={"stride": 0})
    case(lambda: F.conv1d(r(1, 1, 5), r(2, 1, 3), dilation=0), "dilation", op="conv1d", x=[1, 1, 5], w=[2, 1, 3], options={"dilation": 0})
    case(lambda: F.conv1d(r(1, 1, 5), r(2, 1, 3), padding=-1), "padding", op="conv1d", x=[1, 1, 5], w=[2, 1, 3], options={"padding": -1})
    case(lambda: F.conv1d(r(1, 1, 5), r(2, 1, 3), padding="same", stride=2), "same", op="conv1d", x=[1, 1, 5], w=[2, 1, 3], options={"padding": "same", "stride": 2})
    case(lambda: F.conv1d(r(1, 1, 5), r(2, 1, 3), padding="full"), "padding", op="conv1d", x=[1, 1, 5], w=[2, 1, 3], options={"padding": "full"})
    case(lambda: torch.nn.Conv1d(1, 2, 3, padding_mode="mirror"), "paddingMode", op="conv1d", x=[1, 1, 5], w=[2, 1, 3], options={"paddingMode": "mirror"})
    case(lambda: F.conv2d(r(1, 1, 5, 5), r(2, 1, 3, 3), padding=(1, 1, 1)), "padding", op="conv2d", x=[1, 1, 5, 5], w=[2, 1, 3, 3], options={"padding": [1, 1, 1]})
    case(lambda: torch.nn.Conv1d(1, 1, 3, padding=4, padding_mode="reflect")(r(1, 1, 4)), "reflect", op="conv1d", x=[1, 1, 4], w=[1, 1, 3], options={"padding": 4, "paddingMode": "reflect"})
    case(lambda: torch.nn.Conv1d(1, 1, 3, padding=5, padding_mode="circular")(r(1, 1, 4)), "circular", op="conv1d", x=[1, 1, 4], w=[1, 1, 3], options={"padding": 5, "paddingMode": "circular"})
    case(lambda: F.conv2d(r(1, 1, 2, 2), r(1, 1, 3, 3)), "kernel", op="conv2d", x=[1, 1, 2, 2], w=[1, 1, 3, 3], options={})
    case(lambda: F.conv2d(r(1, 1, 4, 4), r(1, 1, 2, 2), dilation=4), "kernel", op="conv2d", x=[1, 1, 4, 4], w=[1, 1, 2, 2], options={"dilation": 4})
    case(lambda: F.conv2d(r(1, 1, 5, 5), r(2, 1, 3, 3), r(3)), "bias", op="conv2d", x=[1, 1, 5, 5], w=[2, 1, 3, 3], b=[3], options={})
    case(lambda: F.conv2d(r(1, 1, 5, 5), r(2, 1, 3, 3, dtype=torch.float64)), "dtype", op="conv2d", x=[1, 1, 5, 5], w=[2, 1, 3, 3], wDtype="float64", options={})
    case(lambda: F.conv_transpose2d(r(1, 2, 3, 3), r(2, 1, 3, 3), stride=2, output_padding=2), "outputPadding", op="convTranspose2d", x=[1, 2, 3, 3], w=[2, 1, 3, 3], options={"stride": 2, "outputPadding": 2})
    case(lambda: F.conv_transpose1d(r(1, 2, 3), r(2, 1, 3), output_padding=1), "outputPadding", op="convTranspose1d", x=[1, 2, 3], w=[2, 1, 3], options={"outputPadding": 1})
    case(lambda: F.conv_transpose1d(r(1, 3, 3), r(2, 1, 3)), "channels", op="convTranspose1d", x=[1, 3, 3], w=[2, 1, 3], options={})
    case(lambda: F.conv_transpose1d(r(1, 3, 3), r(3, 1, 3), groups=2), "groups", op="convTranspose1d", x=[1, 3, 3], w=[3, 1, 3], options={"groups": 2})
    case(lambda: F.conv1d(r(1, 2, 5), r(2, 1, 3), groups=0), "groups", op="conv1d", x=[1, 2, 5], w=[2, 1, 3], options={"groups": 0})
    case(lambda: F.conv1d(r(1, 1, 5), r(2, 1, 3), stride=1.5), "stride", op="conv1d", x=[1, 1, 5], w=[2, 1, 3], options={"stride": 1.5})
    return out


def module_cases():
    out = []
    specs = [
        ("Conv2d", (1, 2, 3), {"padding": 1, "bias": False}),
        ("Conv2d", (6, 4, (3, 5)), {"groups": 2}),
        ("Conv1d", (4, 6, 3), {"groups": 2, "stride": 2, "dilation": 2}),
        ("Conv3d", (2, 4, 3), {"padding": "same", "padding_mode": "reflect"}),
        ("Conv2d", (3, 8, 5), {"padding": "valid"}),
        ("Conv2d", (2, 2, 3), {"padding": (1, 0), "padding_mode": "circular", "bias": False}),
        ("ConvTranspose2d", (4, 6, 3), {"groups": 2, "stride": 2, "padding": 1, "output_padding": 1}),
        ("ConvTranspose1d", (2, 3, 4), {"dilation": 2, "bias": False}),
        ("ConvTranspose3d", (2, 2, 2), {}),
    ]
    for seed in [0, 1, 42]:
        for name, args, kw in specs:
            torch.manual_seed(seed)
            m = getattr(torch.nn, name)(*args, **kw)
            out.append({"name": name, "args": [list(a) if isinstance(a, tuple) else a for a in args],
                        "options": {{"padding_mode": "paddingMode", "output_padding": "outputPadding"}.get(k, k): (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()},
                        "seed": seed, "repr": repr(m), "weight": tensor_json(m.weight), "bias": tensor_json(m.bias)})
    return out


def explain_cases(rng, count):
    """Convolutions on input torch.range(1, numel) with loss mean or sum: dw and db do not depend on the
    random weights, so the explainer's values must equal these."""
    out = []
    for i in range(count):
        dims = [1, 2, 3][i % 3]
        transposed = i % 4 == 3
        case = sample_conv(rng, dims, transposed, "float64")
        if len(case["xShape"]) == dims + 1:
            case["xShape"] = [1] + case["xShape"]
        case["bShape"] = [case["wShape"][1] * case["options"]["groups"] if transposed else case["wShape"][0]]
        loss = rng.choice(["mean", "sum"])
        x = torch.arange(1.0, math.prod(case["xShape"]) + 1, dtype=torch.float64).view(case["xShape"])
        w = torch.randn(case["wShape"], dtype=torch.float64, requires_grad=True)
        b = torch.randn(case["bShape"], dtype=torch.float64, requires_grad=True)
        y = run_conv(case, x, w, b)
        (y.mean() if loss == "mean" else y.sum()).backward()
        out.append({"dims": dims, "transposed": transposed, "batch": case["xShape"][0], "inChannels": case["xShape"][1],
                    "outChannels": case["bShape"][0], "inputSize": case["xShape"][2:], "kernelSize": case["wShape"][2:],
                    "options": case["options"], "loss": loss, "dw": flat(w.grad), "db": flat(b.grad)})
    return out


def rng_cases():
    """PyTorch's CPU generator: the same seed and calls must give the same numbers, bit for bit."""
    out = {"sequences": [], "inits": [], "seedScript": []}
    for seed in [0, 1, 42, 2026]:
        calls = [("randn", [5], "float32"), ("randn", [3, 7], "float32"), ("randn", [100], "float32"), ("randn", [2], "float64"),
                 ("randn", [33], "float64"), ("rand", [5], "float32"), ("rand", [4, 5], "float64"), ("randint", [-3, 50, [9]], "float32"),
                 ("randperm", [20], "float32"), ("normal_", [[40], 2.5, 0.5], "float32"), ("uniform_", [[7], -2.0, 3.0], "float64"),
                 ("randn", [1], "float32"), ("randn", [16], "float32"), ("randn", [17], "float32")]
        torch.manual_seed(seed)
        values = []
        for name, args, dtype in calls:
            dt = torch.float64 if dtype == "float64" else torch.float32
            if name == "randn":
                t = torch.randn(args, dtype=dt)
            elif name == "rand":
                t = torch.rand(args, dtype=dt)
            elif name == "randint":
                t = torch.randint(args[0], args[1], args[2])
            elif name == "randperm":
                t = torch.randperm(args[0])
            elif name == "normal_":
                t = torch.empty(args[0], dtype=dt).normal_(args[1], args[2])
            else:
                t = torch.empty(args[0], dtype=dt).uniform_(args[1], args[2])
            values.append({"call": name, "args": args, "dtype": dtype, "data": flat(t)})
        out["sequences"].append({"seed": seed, "calls": values})
    for seed in [0, 5]:
        for name, shape, kw in [("kaiming_uniform_", [6, 4, 3], {"a": 0.1}), ("kaiming_uniform_", [8, 5], {"mode": "fan_out", "nonlinearity": "relu"}),
                                ("xavier_uniform_", [6, 4, 3], {"gain": 2.0}), ("xavier_uniform_", [10, 20], {}), ("kaiming_normal_", [5, 9], {}),
                                ("xavier_normal_", [30, 4], {})]:
            torch.manual_seed(seed)
            t = getattr(torch.nn.init, name)(torch.empty(shape), **kw)
            out["inits"].append({"seed": seed, "init": name, "shape": shape, "options": kw, "data": flat(t)})
        torch.manual_seed(seed)
        lin = torch.nn.Linear(7, 3)
        out["inits"].append({"seed": seed, "init": "Linear", "shape": [7, 3], "options": {}, "data": flat(lin.weight) + flat(lin.bias), "repr": repr(lin)})
    # The seed's experiments, each script starting with torch.manual_seed(0).
    for cin, cout, p in [(1, 1, 0), (1, 2, 0), (2, 1, 0), (2, 2, 0), (1, 2, 1)]:
        torch.manual_seed(0)
        conv = torch.nn.Conv2d(in_channels=cin, out_channels=cout, kernel_size=3, padding=p, bias=False, stride=1)
        x = torch.arange(1.0, 16 * cin + 1).view(1, cin, 4, 4)
        out["seedScript"].append({"inChannels": cin, "outChannels": cout, "padding": p, "out": str(conv(x))})
    # F.dropout's masks: x = randn, then dropout, then one more draw (which shows how many dropout took).
    out["dropout"] = []
    for seed in [0, 7]:
        for p, dtype, shape in [(0.3, "float32", [3, 11]), (0.5, "float64", [37]), (0.9, "float32", [4, 5]), (1.0, "float32", [6]),
                                (0.0, "float64", [6]), (0.25, "float64", [2, 3, 4])]:
            torch.manual_seed(seed)
            dt = torch.float64 if dtype == "float64" else torch.float32
            x = torch.randn(shape, dtype=dt)
            y = F.dropout(x, p)
            out["dropout"].append({"seed": seed, "p": p, "dtype": dtype, "shape": shape, "x": flat(x), "y": flat(y),
                                   "next": torch.rand(1, dtype=torch.float64).item()})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "test", "fixtures"))
    ap.add_argument("--cases", type=int, default=72)
    ap.add_argument("--only", help="write only the fixture files whose name contains this")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    files = {
        "conv_cases.json": {"torch": torch.__version__, "seed": args.seed, "cases": conv_cases(rng, args.cases)},
        "print_cases.json": {"torch": torch.__version__, "seed": args.seed, "cases": print_cases(rng)},
        "error_cases.json": {"torch": torch.__version__, "cases": error_cases()},
        "module_cases.json": {"torch": torch.__version__, "cases": module_cases()},
        "rng_cases.json": {"torch": torch.__version__, **rng_cases()},
        "explain_cases.json": {"torch": torch.__version__, "seed": args.seed, "cases": explain_cases(rng, 36)},
        "ops_cases.json": {"torch": torch.__version__, "seed": args.seed, "cases": ops_cases(args.seed)},
        "nn_cases.json": {"torch": torch.__version__, "cases": nn_cases()},
        "training_cases.json": {"torch": torch.__version__, "cases": training_cases()},
        "loader_cases.json": {"torch": torch.__version__, "cases": loader_cases()},
        "extras_cases.json": {"torch": torch.__version__, **extras_cases()},
        "layer_cases.json": {"torch": torch.__version__, "cases": layer_cases()},
        "transform_cases.json": {"torch": torch.__version__, **transform_cases()},
        "image_folder_cases.json": {"torch": torch.__version__, **image_folder_cases(args.out)},
        "export_cases.json": {"torch": torch.__version__, "cases": export_cases(args.out)},
        "safetensors_cases.json": {"torch": torch.__version__, **safetensors_cases(args.out)},
    }
    for name, content in files.items():
        if args.only and args.only not in name:
            continue
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(content, f, separators=(",", ":"))
        print(name, os.path.getsize(os.path.join(args.out, name)), "bytes")


if __name__ == "__main__":
    main()
