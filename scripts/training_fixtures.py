"""PyTorch fixtures for the training stack: every op against PyTorch (forward, gradients, node names),
module reprs and state-dict keys, and whole training runs step by step.

Imported by gen_fixtures.py; tests never run Python. Architectures, optimizers and op samples are
described as JSON specs here, and the tests build the same objects from the same specs.
"""
import gzip
import os
import re

import torch
import torch.nn.functional as F

from fixture_json import flat, number

HERE = os.path.dirname(__file__)


def tj(t):
    """A tensor as JSON: shape, dtype and flat data."""
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    data = [number(v) for v in t.detach().reshape(-1).tolist()] if t.dtype.is_floating_point else [int(v) for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "dtype": dtype, "data": data}


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ---- ops ----------------------------------------------------------------------------------------

def kw_to_torch(kw):
    out = {}
    for k, v in kw.items():
        out[snake(k)] = tuple(v) if isinstance(v, list) else v
    return out


def call_op(name, args, kw):
    """The PyTorch call behind each op name of test/ops.test.ts's table."""
    k = kw_to_torch(kw)
    a = args
    table = {
        "add": lambda: torch.add(a[0], a[1]),
        "sub": lambda: torch.sub(a[0], a[1]),
        "mul": lambda: torch.mul(a[0], a[1]),
        "div": lambda: torch.div(a[0], a[1]),
        "pow": lambda: torch.pow(a[0], k["exponent"]),
        "neg": lambda: torch.neg(a[0]),
        "exp": lambda: torch.exp(a[0]),
        "log": lambda: torch.log(a[0]),
        "where": lambda: torch.where(a[0], a[1], a[2]),
        "sum": lambda: torch.sum(a[0], dim=k["dim"], keepdim=k.get("keepdim", False)) if "dim" in k else torch.sum(a[0]),
        "mean": lambda: torch.mean(a[0], dim=k["dim"], keepdim=k.get("keepdim", False)) if "dim" in k else torch.mean(a[0]),
        "relu": lambda: F.relu(a[0]),
        "silu": lambda: F.silu(a[0]),
        "hardswish": lambda: F.hardswish(a[0]),
        "hardtanh": lambda: F.hardtanh(a[0], **k),
        "eq": lambda: torch.eq(a[0], a[1]),
        "ne": lambda: torch.ne(a[0], a[1]),
        "lt": lambda: torch.lt(a[0], a[1]),
        "le": lambda: torch.le(a[0], a[1]),
        "gt": lambda: torch.gt(a[0], a[1]),
        "ge": lambda: torch.ge(a[0], a[1]),
        "sign": lambda: torch.sign(a[0]),
        "argmin": lambda: torch.argmin(a[0], **k),
        "maxPool3d": lambda: F.max_pool3d(a[0], **k),
        "avgPool3d": lambda: F.avg_pool3d(a[0], **k),
        "adaptiveAvgPool1d": lambda: F.adaptive_avg_pool1d(a[0], **k),
        "maxPool2dWithIndices": lambda: F.max_pool2d(a[0], return_indices=True, **{n: v for n, v in k.items() if n != "output"})[1 if k.get("output") == "indices" else 0],
        "dropout": lambda: F.dropout(a[0], **k),
        "dropout2d": lambda: F.dropout2d(a[0], **k),
        "interpolate": lambda: F.interpolate(a[0], **k),
        "groupNorm": lambda: F.group_norm(a[0], k["num_groups"], weight=a[1] if len(a) > 1 else None,
                                          bias=a[2] if len(a) > 2 else None, eps=k.get("eps", 1e-5)),
        "layerNorm": lambda: F.layer_norm(a[0], k["normalized_shape"], weight=a[1] if len(a) > 1 else None,
                                          bias=a[2] if len(a) > 2 else None, eps=k.get("eps", 1e-5)),
        "leakyRelu": lambda: F.leaky_relu(a[0], **k),
        "gelu": lambda: F.gelu(a[0], **k),
        "sigmoid": lambda: torch.sigmoid(a[0]),
        "tanh": lambda: torch.tanh(a[0]),
        "sqrt": lambda: torch.sqrt(a[0]),
        "abs": lambda: torch.abs(a[0]),
        "erf": lambda: torch.erf(a[0]),
        "clamp": lambda: torch.clamp(a[0], **k),
        "softmax": lambda: F.softmax(a[0], **k),
        "logSoftmax": lambda: F.log_softmax(a[0], **k),
        "max": lambda: torch.max(a[0], dim=k["dim"], keepdim=k.get("keepdim", False))[0] if "dim" in k else torch.max(a[0]),
        "min": lambda: torch.min(a[0], dim=k["dim"], keepdim=k.get("keepdim", False))[0] if "dim" in k else torch.min(a[0]),
        "argmax": lambda: torch.argmax(a[0], **k),
        "gather": lambda: torch.gather(a[0], k["dim"], a[1]),
        "scatterAdd": lambda: torch.scatter_add(a[0], k["dim"], a[1], a[2]),
        "indexSelect": lambda: torch.index_select(a[0], k["dim"], a[1]),
        "indexAdd": lambda: torch.index_add(a[0], k["dim"], a[1], a[2]),
        "cat": lambda: torch.cat(a, **k),
        "stack": lambda: torch.stack(a, **k),
        "matmul": lambda: torch.matmul(a[0], a[1]),
        "linear": lambda: F.linear(*a),
        "maxPool1d": lambda: F.max_pool1d(a[0], **k),
        "maxPool2d": lambda: F.max_pool2d(a[0], **k),
        "avgPool1d": lambda: F.avg_pool1d(a[0], **k),
        "avgPool2d": lambda: F.avg_pool2d(a[0], **k),
        "adaptiveAvgPool2d": lambda: F.adaptive_avg_pool2d(a[0], **k),
        "batchNorm": lambda: F.batch_norm(a[0], a[3] if len(a) > 3 else None, a[4] if len(a) > 4 else None, a[1], a[2], **k),
        "crossEntropy": lambda: F.cross_entropy(a[0], a[1], weight=a[2] if len(a) > 2 else None, **k),
        "nllLoss": lambda: F.nll_loss(a[0], a[1], weight=a[2] if len(a) > 2 else None, **k),
        "mseLoss": lambda: F.mse_loss(a[0], a[1], **k),
        "binaryCrossEntropyWithLogits": lambda: F.binary_cross_entropy_with_logits(a[0], a[1], weight=a[2] if len(a) > 2 and a[2] is not None else None, pos_weight=a[3] if len(a) > 3 else None, **k),
        "conv2d": lambda: F.conv2d(*a, **k),
        "conv1d": lambda: F.conv1d(*a, **k),
        "conv3d": lambda: F.conv3d(*a, **k),
        "convTranspose1d": lambda: F.conv_transpose1d(*a, **k),
        "convTranspose2d": lambda: F.conv_transpose2d(*a, **k),
        "convTranspose3d": lambda: F.conv_transpose3d(*a, **k),
        "pad": lambda: F.pad(a[0], k["pad"], mode=k.get("mode", "constant"), value=k.get("value", 0.0)) if k.get("mode", "constant") == "constant" else F.pad(a[0], k["pad"], mode=k["mode"]),
        "reshape": lambda: a[0].reshape(k["shape"]),
        "view": lambda: a[0].view(k["shape"]),
        "flatten": lambda: a[0].flatten(k.get("start_dim", 0), k.get("end_dim", -1)),
        "permute": lambda: a[0].permute(k["dims"]),
        "transpose": lambda: a[0].transpose(k["dim0"], k["dim1"]),
        "t": lambda: a[0].t(),
        "flip": lambda: a[0].flip(k["dims"]),
        "squeeze": lambda: a[0].squeeze(k["dim"]) if "dim" in k else a[0].squeeze(),
        "unsqueeze": lambda: a[0].unsqueeze(k["dim"]),
        "expand": lambda: a[0].expand(k["shape"]),
        "slice": lambda: a[0][(slice(None),) * k["dim"] + (slice(k["start"], k["end"], k["step"]),)],
        "select": lambda: a[0].select(k["dim"], k["index"]),
        "to": lambda: a[0].to({"float32": torch.float32, "float64": torch.float64}[k["dtype"]]),
        "clone": lambda: a[0].clone(),
    }
    return table[name]()


def R(*shape, positive=False, grad=True):
    return ("randn", list(shape), positive, grad)


def I(values, shape=None):
    return ("int", values, shape)


def V(values):
    """Given float values (points of interest, such as kinks), which take part in the gradient."""
    return ("values", values, None, True)


def B(values, shape):
    return ("bool", values, shape)


# Each sample: op name, argument specs, keyword options, which float arguments get gradients (None = all).
OP_SAMPLES = [
    ("add", [R(3, 4), R(4)], {}), ("sub", [R(2, 3), R(2, 1)], {}), ("mul", [R(3, 4), R(3, 4)], {}),
    ("div", [R(3, 4), R(3, 4, positive=True)], {}), ("pow", [R(3, 4, positive=True)], {"exponent": 2.5}),
    ("neg", [R(5)], {}), ("exp", [R(2, 3)], {}), ("log", [R(2, 3, positive=True)], {}),
    ("where", [B([1, 0, 1, 0, 0, 1], [2, 3]), R(2, 3), R(2, 3)], {}),
    ("sum", [R(2, 3, 4)], {"dim": [0, 2], "keepdim": True}), ("mean", [R(2, 3, 4)], {"dim": 1}),
    ("relu", [R(3, 5)], {}), ("leakyRelu", [R(3, 5)], {"negativeSlope": 0.2}),
    ("gelu", [R(3, 5)], {}), ("gelu", [R(3, 5)], {"approximate": "tanh"}),
    ("sigmoid", [R(4, 3)], {}), ("tanh", [R(4, 3)], {}), ("sqrt", [R(4, 3, positive=True)], {}),
    ("abs", [R(4, 3)], {}), ("erf", [R(4, 3)], {}),
    ("clamp", [R(4, 5)], {"min": -0.5, "max": 0.7}), ("clamp", [R(4, 5)], {"min": 0.1}),
    ("softmax", [R(3, 5)], {"dim": 1}), ("softmax", [R(2, 3, 4)], {"dim": 0}),
    ("logSoftmax", [R(3, 5)], {"dim": -1}), ("logSoftmax", [R(2, 4, 3)], {"dim": 1}),
    ("max", [R(3, 5)], {"dim": 1}), ("max", [R(3, 5)], {"dim": 0, "keepdim": True}), ("max", [R(2, 3)], {}),
    ("min", [R(3, 5)], {"dim": 1}),
    ("argmax", [R(3, 5)], {"dim": 1}), ("argmax", [R(3, 5)], {}),
    ("gather", [R(3, 4), I([[0, 3], [1, 1], [2, 0]])], {"dim": 1}),
    ("scatterAdd", [R(3, 4), I([[0, 3], [1, 1], [2, 0]]), R(3, 2)], {"dim": 1}),
    ("indexSelect", [R(4, 3), I([3, 0, 3])], {"dim": 0}), ("indexSelect", [R(2, 5), I([4, 1])], {"dim": 1}),
    ("indexAdd", [R(4, 3), I([3, 0, 3]), R(3, 3)], {"dim": 0}),
    ("cat", [R(2, 3), R(1, 3), R(4, 3)], {"dim": 0}), ("cat", [R(2, 3), R(2, 1)], {"dim": 1}),
    ("stack", [R(2, 3), R(2, 3)], {"dim": 1}),
    ("matmul", [R(3, 4), R(4, 5)], {}), ("matmul", [R(2, 3, 4), R(4, 2)], {}), ("matmul", [R(2, 1, 3, 4), R(3, 4, 2)], {}),
    ("matmul", [R(4), R(4, 3)], {}), ("matmul", [R(3, 4), R(4)], {}),
    ("linear", [R(5, 4), R(3, 4), R(3)], {}), ("linear", [R(2, 5, 4), R(3, 4)], {}),
    ("maxPool1d", [R(2, 3, 9)], {"kernelSize": 3, "stride": 2, "padding": 1}),
    ("maxPool2d", [R(2, 2, 6, 7)], {"kernelSize": 2}),
    ("maxPool2d", [R(1, 2, 7, 6)], {"kernelSize": [3, 2], "stride": [2, 1], "padding": [1, 1], "dilation": [1, 2], "ceilMode": True}),
    ("maxPool2d", [R(2, 5, 5)], {"kernelSize": 3, "stride": 2, "ceilMode": True}),
    ("avgPool1d", [R(2, 3, 9)], {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False}),
    ("avgPool2d", [R(2, 2, 6, 7)], {"kernelSize": 2}),
    ("avgPool2d", [R(1, 2, 7, 6)], {"kernelSize": [3, 2], "stride": [2, 1], "padding": [1, 1], "ceilMode": True}),
    ("avgPool2d", [R(1, 2, 7, 6)], {"kernelSize": 3, "stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False}),
    ("avgPool2d", [R(1, 2, 6, 6)], {"kernelSize": 3, "padding": 1, "divisorOverride": 4}),
    ("adaptiveAvgPool2d", [R(2, 3, 7, 5)], {"outputSize": [3, 2]}), ("adaptiveAvgPool2d", [R(2, 3, 4, 4)], {"outputSize": 1}),
    ("adaptiveAvgPool2d", [R(3, 5, 6)], {"outputSize": 4}),
    ("batchNorm", [R(4, 3, 2, 2), R(3), R(3)], {"training": True}),
    ("batchNorm", [R(6, 3), R(3), R(3)], {"training": True, "eps": 0.01}),
    ("batchNorm", [R(4, 3, 5), R(3), R(3), R(3, grad=False), R(3, positive=True, grad=False)], {"training": False}),
    ("crossEntropy", [R(5, 4), I([0, 3, 1, 1, 2])], {}),
    ("crossEntropy", [R(5, 4), I([0, 3, -100, 1, 2]), R(4, positive=True, grad=False)], {"reduction": "mean"}),
    ("crossEntropy", [R(5, 4), I([0, 3, 2, 1, 2])], {"labelSmoothing": 0.2}),
    ("crossEntropy", [R(5, 4), I([0, 3, 7, 1, 2]), R(4, positive=True, grad=False)], {"labelSmoothing": 0.1, "ignoreIndex": 7, "reduction": "sum"}),
    ("crossEntropy", [R(2, 3, 4), I([[0, 2, 1, 1], [2, 2, 0, 1]])], {"reduction": "none"}),
    ("crossEntropy", [R(4), I(2, [])], {}),
    ("crossEntropy", [R(3, 4), ("softmax", [3, 4], False)], {"labelSmoothing": 0.1}),
    ("nllLoss", [R(5, 4), I([0, 3, 1, 1, 2]), R(4, positive=True, grad=False)], {"reduction": "sum"}),
    ("mseLoss", [R(3, 4), R(3, 4)], {}), ("mseLoss", [R(3, 4), R(3, 4)], {"reduction": "none"}),
    ("binaryCrossEntropyWithLogits", [R(3, 4), ("uniform", [3, 4], False)], {}),
    ("binaryCrossEntropyWithLogits", [R(3, 4), ("uniform", [3, 4], False), R(4, positive=True, grad=False), R(4, positive=True, grad=False)], {"reduction": "sum"}),
    ("conv2d", [R(2, 2, 5, 5), R(3, 2, 3, 3), R(3)], {"stride": 2, "padding": 1}),
    ("conv1d", [R(2, 4, 9), R(6, 2, 3)], {"dilation": 2, "groups": 2, "padding": "same"}),
    ("conv3d", [R(1, 2, 4, 4, 3), R(2, 1, 2, 2, 2), R(2)], {"groups": 2, "stride": [1, 2, 1]}),
    ("convTranspose2d", [R(2, 2, 3, 4), R(2, 3, 3, 2), R(3)], {"stride": 2, "padding": 1, "outputPadding": 1}),
    ("pad", [R(2, 3, 4)], {"pad": [1, 2], "mode": "reflect"}), ("pad", [R(2, 3, 4)], {"pad": [1, 0, 2, 1], "value": 0.5}),
    ("pad", [R(1, 2, 3, 4)], {"pad": [2, 1, 1, 2], "mode": "circular"}),
    ("reshape", [R(2, 3, 4)], {"shape": [4, -1]}), ("view", [R(2, 6)], {"shape": [3, 2, 2]}),
    ("flatten", [R(2, 3, 4, 5)], {"startDim": 1, "endDim": 2}), ("permute", [R(2, 3, 4)], {"dims": [2, 0, 1]}),
    ("transpose", [R(2, 3, 4)], {"dim0": 0, "dim1": 2}), ("squeeze", [R(2, 1, 3)], {"dim": 1}), ("squeeze", [R(1, 3, 1)], {}),
    ("unsqueeze", [R(2, 3)], {"dim": -1}), ("expand", [R(3, 1)], {"shape": [2, 3, 4]}),
    ("slice", [R(4, 7)], {"dim": 1, "start": 1, "end": 6, "step": 2}), ("select", [R(4, 3, 2)], {"dim": 1, "index": -1}),
    ("to", [R(3, 4)], {"dtype": "float32"}), ("clone", [R(3, 4)], {}),
]


# Samples added later draw from a generator of their own, so the samples above keep their values. A
# sample whose kwargs hold "kinks": True sits on points where the op is not differentiable: PyTorch's
# values and gradients there are compared, finite differences are not taken.
KINKS = [-4.0, -3.0, -1.0, 0.0, 1.0, 2.5, 3.0, 6.0, -3.0, 3.0, 0.5, -0.5, 1.0, -1.0, 0.0, 2.0]
OP_SAMPLES_2 = [
    ("silu", [R(3, 5)], {}), ("silu", [V(KINKS)], {"kinks": True}),
    ("hardswish", [R(3, 5)], {}), ("hardswish", [V([v * 2 for v in KINKS])], {}), ("hardswish", [V(KINKS)], {"kinks": True}),
    ("hardtanh", [R(3, 5)], {}), ("hardtanh", [R(3, 5)], {"minVal": -0.5, "maxVal": 0.25}), ("hardtanh", [V(KINKS)], {"kinks": True}),
    ("eq", [R(3, 4), R(4)], {}), ("ne", [R(3, 4), R(3, 4)], {}), ("lt", [R(3, 4), R(4)], {}),
    ("le", [R(2, 3), R(2, 1)], {}), ("gt", [R(3, 4), R(3, 4)], {}), ("ge", [R(3, 4), R(4)], {}),
    ("sign", [R(3, 5)], {}), ("argmin", [R(3, 5)], {"dim": 1}), ("argmin", [R(3, 5)], {}),
    ("maxPool3d", [R(1, 2, 4, 5, 6)], {"kernelSize": 2}),
    ("maxPool3d", [R(2, 3, 5, 4)], {"kernelSize": [2, 3, 2], "stride": [1, 2, 1], "padding": [1, 1, 0], "ceilMode": True}),
    ("avgPool3d", [R(1, 2, 4, 5, 6)], {"kernelSize": 2}),
    ("avgPool3d", [R(1, 2, 5, 4, 5)], {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False}),
    ("adaptiveAvgPool1d", [R(2, 3, 7)], {"outputSize": 3}), ("adaptiveAvgPool1d", [R(3, 5)], {"outputSize": 5}),
    ("maxPool2dWithIndices", [R(2, 2, 6, 7)], {"kernelSize": 2}),
    ("dropout2d", [R(2, 3, 4, 4)], {"p": 0.5, "training": False}), ("dropout2d", [R(2, 3, 4, 4)], {"p": 1.0, "training": True}),
    ("layerNorm", [R(3, 5)], {"normalizedShape": [5]}),
    ("layerNorm", [R(2, 3, 4), R(3, 4), R(3, 4)], {"normalizedShape": [3, 4], "eps": 0.001}),
    ("groupNorm", [R(2, 6, 3)], {"numGroups": 2}),
    ("groupNorm", [R(2, 4, 3, 2), R(4), R(4)], {"numGroups": 4, "eps": 0.001}),
    ("t", [R(3, 5)], {}), ("t", [R(4)], {}), ("flip", [R(2, 3, 4)], {"dims": [0, 2]}), ("flip", [R(3, 5)], {"dims": [-1]}),
    ("maxPool2dWithIndices", [R(1, 2, 7, 6)], {"kernelSize": 3, "stride": 2, "padding": 1, "output": "indices"}),
    ("dropout", [R(3, 4)], {"p": 0.0, "training": True}), ("dropout", [R(3, 4)], {"p": 0.5, "training": False}),
    ("dropout", [R(3, 4)], {"p": 1.0, "training": True}),
    ("convTranspose1d", [R(2, 4, 5), R(4, 3, 3), R(6)], {"stride": 2, "groups": 2, "dilation": 2}),
    ("convTranspose3d", [R(1, 2, 3, 2, 3), R(2, 2, 2, 2, 2)], {"stride": [2, 1, 2], "padding": [1, 0, 0], "outputPadding": [1, 0, 1]}),
    ("interpolate", [R(2, 3, 4, 5)], {"scaleFactor": 2}), ("interpolate", [R(1, 2, 5, 7)], {"size": [3, 11]}),
    ("interpolate", [R(2, 2, 7)], {"size": 3}), ("interpolate", [R(1, 2, 3, 4, 2)], {"scaleFactor": [1.5, 0.5, 2.5]}),
    ("interpolate", [R(1, 2, 5, 6)], {"scaleFactor": 1.7, "recomputeScaleFactor": True}),
    ("interpolate", [R(2, 3, 4, 5)], {"scaleFactor": 2, "mode": "bilinear", "alignCorners": False}),
    ("interpolate", [R(1, 2, 5, 7)], {"size": [3, 11], "mode": "bilinear", "alignCorners": True}),
    ("interpolate", [R(1, 2, 5, 6)], {"scaleFactor": [1.7, 0.6], "mode": "bilinear", "alignCorners": False}),
    ("interpolate", [R(2, 2, 7)], {"size": 12, "mode": "linear", "alignCorners": False}),
    ("interpolate", [R(2, 2, 7)], {"size": 1, "mode": "linear", "alignCorners": True}),
    ("interpolate", [R(1, 2, 3, 4, 2)], {"size": [4, 3, 5], "mode": "trilinear", "alignCorners": False}),
]


def make_arg(spec, dtype, gen):
    kind = spec[0]
    if kind == "values":
        return torch.tensor(spec[1], dtype=dtype)
    if kind == "int":
        t = torch.tensor(spec[1], dtype=torch.int64)
        return t if spec[2] is None else t.reshape(spec[2])
    if kind == "bool":
        return torch.tensor(spec[1], dtype=torch.bool).reshape(spec[2])
    shape = spec[1]
    if kind == "randn":
        t = torch.randn(*shape, generator=gen, dtype=torch.float64)
        if spec[2]:
            t = t.abs() + 0.5
    elif kind == "softmax":
        t = torch.randn(*shape, generator=gen, dtype=torch.float64).softmax(-1)
    else:
        t = torch.rand(*shape, generator=gen, dtype=torch.float64)
    return t.to(dtype)


def ops_cases(seed):
    cases = op_cases(OP_SAMPLES, torch.Generator().manual_seed(seed))
    return cases + op_cases(OP_SAMPLES_2, torch.Generator().manual_seed(seed + 1))


def op_cases(samples, gen):
    cases = []
    for dtype in (torch.float64, torch.float32):
        for name, specs, kw in samples:
            args = [make_arg(s, dtype, gen) for s in specs]
            # Float arguments of randn kind take part in the gradient.
            takes_grad = [s[0] in ("randn", "values") and s[3] for s in specs]
            for a, g in zip(args, takes_grad):
                if g:
                    a.requires_grad_(True)
            out = call_op(name, args, {n: v for n, v in kw.items() if n != "kinks"})
            case = {"op": name, "kw": kw, "dtype": str(dtype).replace("torch.", ""), "args": [tj(a) for a in args],
                    "grad": takes_grad, "out": tj(out),
                    "gradFn": out.grad_fn.name() if out.grad_fn is not None else None}
            if out.grad_fn is not None:
                cot = torch.randn(out.shape, generator=gen, dtype=torch.float64).to(out.dtype)
                wanted = [a for a, g in zip(args, takes_grad) if g]
                grads = torch.autograd.grad(out, wanted, cot, allow_unused=True)
                case["cotangent"] = tj(cot)
                case["grads"] = [None if g is None else tj(g) for g in grads]
            cases.append(case)
    return cases


# ---- modules ------------------------------------------------------------------------------------

def build_layer(spec, dtype=None):
    cls = getattr(torch.nn, spec["type"])
    kwargs = kw_to_torch(spec.get("kwargs", {}))
    # Lists travel as tuples: convgrad's arrays print as Python prints tuples.
    args = [tuple(a) if isinstance(a, list) else a for a in spec.get("args", [])]
    return cls(*args, **kwargs)


def build_model(layers):
    return torch.nn.Sequential(*[build_layer(s) for s in layers])


def L(type_, *args, **kwargs):
    return {"type": type_, "args": list(args), "kwargs": kwargs}


MODULE_SPECS = [
    [L("Linear", 4, 3), L("ReLU"), L("LeakyReLU", 0.2), L("GELU"), L("GELU", approximate="tanh"), L("Sigmoid"), L("Tanh"), L("Softmax", dim=1)],
    [L("Conv2d", 1, 4, 3, padding=1), L("MaxPool2d", 2), L("MaxPool2d", [3, 2], stride=1, padding=1, ceilMode=True), L("AvgPool2d", 2),
     L("AvgPool2d", 3, stride=2, padding=1), L("AdaptiveAvgPool2d", [2, 3]), L("AdaptiveAvgPool2d", 1), L("Flatten"), L("Dropout", 0.25)],
    [L("Conv1d", 8, 4, 3), L("BatchNorm1d", 4), L("MaxPool1d", 2), L("AvgPool1d", 2), L("BatchNorm2d", 16, eps=0.001, momentum=None, affine=False),
     L("BatchNorm2d", 3, trackRunningStats=False), L("Flatten", 0, 2), L("Linear", 3, 5, bias=False)],
    [L("Linear", 4, 3), L("SiLU"), L("Hardswish"), L("Hardtanh"), L("Hardtanh", -2.0, 0.5)],
    [L("Linear", 4, 6), L("LayerNorm", 6), L("Identity"), L("LayerNorm", [2, 3], eps=0.001, elementwiseAffine=False), L("Dropout2d", 0.3),
     L("GroupNorm", 2, 6), L("GroupNorm", 3, 6, eps=0.001, affine=False)],
]


def nn_cases():
    out = []
    for layers in MODULE_SPECS:
        torch.manual_seed(0)
        model = build_model(layers)
        out.append({"layers": layers, "repr": str(model), "keys": list(model.state_dict().keys()),
                    "params": [n for n, _ in model.named_parameters()],
                    "state": {k: tj(v) for k, v in model.state_dict().items()}})
    return out


# ---- training runs -------------------------------------------------------------------------------

def digits(n):
    with gzip.open(os.path.join(HERE, "..", "data", "digits.csv.gz"), "rt") as f:
        rows = [list(map(int, line.split(","))) for line in f.read().strip().split("\n")[:n]]
    X = torch.tensor([r[:64] for r in rows], dtype=torch.float64).view(n, 1, 8, 8) / 16
    Y = torch.tensor([r[64] for r in rows], dtype=torch.int64)
    return X, Y


LENET_ISSUE = [L("Conv2d", 1, 8, 3, padding=1), L("ReLU"), L("MaxPool2d", 2), L("Conv2d", 8, 16, 3, padding=1), L("BatchNorm2d", 16),
               L("ReLU"), L("MaxPool2d", 2), L("Flatten"), L("Linear", 64, 32), L("ReLU"), L("Linear", 32, 10)]

RUNS = [
    {"name": "issue example: conv-relu-maxpool, batch norm, SGD momentum", "layers": LENET_ISSUE, "input": "image",
     "optimizer": {"type": "SGD", "kwargs": {"lr": 0.05, "momentum": 0.9}}},
    {"name": "avg pooling, leaky relu, SGD Nesterov + weight decay, StepLR", "input": "image",
     "layers": [L("Conv2d", 1, 6, 3), L("LeakyReLU", 0.1), L("AvgPool2d", 2, stride=2, padding=1, ceilMode=True),
                L("Conv2d", 6, 12, 2, stride=2), L("Tanh"), L("Flatten"), L("Linear", 48, 10)],
     "optimizer": {"type": "SGD", "kwargs": {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weightDecay": 0.001}},
     "scheduler": {"type": "StepLR", "kwargs": {"stepSize": 1, "gamma": 0.5}}},
    {"name": "GELU, adaptive average pooling, batch norm (momentum None), Adam", "input": "image",
     "layers": [L("Conv2d", 1, 8, 3, padding=1, bias=False), L("BatchNorm2d", 8, momentum=None), L("GELU"),
                L("Conv2d", 8, 8, 3, padding=1, groups=2, dilation=2, paddingMode="reflect"), L("GELU"),
                L("AdaptiveAvgPool2d", [3, 2]), L("Flatten"), L("Linear", 48, 10)],
     "optimizer": {"type": "Adam", "kwargs": {"lr": 0.01}}},
    {"name": "MLP with sigmoid and tanh, AdamW, CosineAnnealingLR", "input": "flat",
     "layers": [L("Linear", 64, 40), L("Sigmoid"), L("Linear", 40, 20), L("Tanh"), L("Linear", 20, 10)],
     "optimizer": {"type": "AdamW", "kwargs": {"lr": 0.02, "weightDecay": 0.05}},
     "scheduler": {"type": "CosineAnnealingLR", "kwargs": {"tMax": 3, "etaMin": 0.001}}},
    {"name": "conv1d net: rows as channels, batch norm 1d, max and avg pooling 1d, Adam amsgrad", "input": "rows",
     "layers": [L("Conv1d", 8, 12, 3, padding=1), L("BatchNorm1d", 12), L("ReLU"), L("MaxPool1d", 2),
                L("Conv1d", 12, 16, 3, padding=1, paddingMode="circular"), L("ReLU"), L("AvgPool1d", 2), L("Flatten"),
                L("BatchNorm1d", 32), L("Linear", 32, 10)],
     "optimizer": {"type": "Adam", "kwargs": {"lr": 0.005, "amsgrad": True, "weightDecay": 0.0001, "betas": [0.8, 0.99]}}},
    {"name": "strided conv, max pooling with padding, SGD dampening, label smoothing", "input": "image", "labelSmoothing": 0.1,
     "layers": [L("Conv2d", 1, 10, 3, stride=2, padding=1), L("ReLU"), L("MaxPool2d", 3, stride=1, padding=1),
                L("Conv2d", 10, 10, 3, groups=5), L("Softmax", dim=1), L("Flatten"), L("Linear", 40, 10)],
     "optimizer": {"type": "SGD", "kwargs": {"lr": 0.2, "momentum": 0.5, "dampening": 0.3}}},
    {"name": "dropout after a conv and before the classifier (PyTorch's masks), AdamW", "input": "image",
     "layers": [L("Conv2d", 1, 8, 3, padding=1), L("ReLU"), L("Dropout", 0.25), L("MaxPool2d", 2), L("Flatten"),
                L("Linear", 128, 32), L("ReLU"), L("Dropout", 0.5), L("Linear", 32, 10)],
     "optimizer": {"type": "AdamW", "kwargs": {"lr": 0.01}}},
]


def make_optimizer(spec, params):
    kw = kw_to_torch(spec["kwargs"])
    return getattr(torch.optim, spec["type"])(params, **kw)


def make_scheduler(spec, opt):
    kw = {"step_size" if k == "stepSize" else "T_max" if k == "tMax" else snake(k): v for k, v in spec["kwargs"].items()}
    return getattr(torch.optim.lr_scheduler, spec["type"])(opt, **kw)


def shape_input(X, kind):
    if kind == "flat":
        return X.reshape(X.shape[0], 64)
    if kind == "rows":
        return X.reshape(X.shape[0], 8, 8)
    return X


def training_run(run, dtype, n, epochs, batch):
    X, Y = digits(n)
    X = shape_input(X, run["input"]).to(dtype)
    torch.manual_seed(0)
    model = build_model(run["layers"]).to(dtype)
    opt = make_optimizer(run["optimizer"], model.parameters())
    sched = make_scheduler(run["scheduler"], opt) if "scheduler" in run else None
    losses, lrs = [], []
    for _ in range(epochs):
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx = perm[i:min(i + batch, n)]
            out = model(X.index_select(0, idx))
            loss = F.cross_entropy(out, Y.index_select(0, idx), label_smoothing=run.get("labelSmoothing", 0.0))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        if sched is not None:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    model.eval()
    with torch.no_grad():
        evaluation = model(X[:16])
    return {"losses": losses, "lrs": lrs, "eval": tj(evaluation), "repr": str(model),
            "state": {k: tj(v) for k, v in model.state_dict().items()}}


def training_cases():
    out = []
    for run in RUNS:
        case = dict(run)
        case.update({"n": 96, "epochs": 2, "batch": 32})
        case["float64"] = training_run(run, torch.float64, 96, 2, 32)
        case["float32"] = training_run(run, torch.float32, 96, 1, 32)
        del case["float32"]["state"]
        out.append(case)
    return out


# ---- DataLoader order ------------------------------------------------------------------------------

def loader_cases():
    """torch.utils.data.DataLoader's batches (labels) for shuffled loaders, with and without a generator."""
    from torch.utils.data import DataLoader, TensorDataset
    out = []
    for n, batch, drop_last, with_generator in [(10, 4, False, True), (10, 4, True, False), (1437, 64, False, True), (7, 3, False, False)]:
        ds = TensorDataset(torch.arange(n, dtype=torch.float64).view(n, 1), torch.arange(n))
        torch.manual_seed(5)
        g = torch.Generator().manual_seed(3) if with_generator else None
        loader = DataLoader(ds, batch_size=batch, shuffle=True, generator=g, drop_last=drop_last)
        epochs = [[int(v) for _, y in loader for v in y] for _ in range(2)]
        out.append({"n": n, "batch": batch, "dropLast": drop_last, "generator": with_generator, "epochs": epochs,
                    "nextGlobal": torch.rand(1, dtype=torch.float64).item()})
    return out


# ---- safetensors round trip --------------------------------------------------------------------------

LENET5 = [L("Conv2d", 1, 6, 5, padding=2), L("ReLU"), L("MaxPool2d", 2), L("Conv2d", 6, 16, 5), L("ReLU"), L("MaxPool2d", 2),
          L("Flatten"), L("Linear", 400, 120), L("ReLU"), L("Linear", 120, 84), L("ReLU"), L("Linear", 84, 10)]

ST_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
ST_TORCH = {v: k for k, v in ST_DTYPES.items()}


def write_safetensors(path, tensors, metadata):
    """The safetensors layout by hand: u64 header length, JSON header padded to 8 bytes, raw data."""
    import json as _json
    import struct
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = _json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    import json as _json
    import struct
    import numpy as np
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = _json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        dtype = ST_TORCH[e["dtype"]]
        np_dtype = {torch.float32: np.float32, torch.float64: np.float64, torch.int64: np.int64}[dtype]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + b:8 + n + end], dtype=np_dtype).copy()).reshape(e["shape"])
    return out, meta


def safetensors_cases(fixtures_dir):
    """PyTorch writes a LeNet-5 (torch.manual_seed(0)) for convgrad to load, and loads the one convgrad
    wrote (test/fixtures/lenet5_convgrad.safetensors, from scripts/write-safetensors-fixture.mjs)."""
    gen = torch.Generator().manual_seed(11)
    x = torch.rand(4, 1, 28, 28, generator=gen)
    torch.manual_seed(0)
    model = build_model(LENET5)
    write_safetensors(os.path.join(fixtures_dir, "lenet5_torch.safetensors"), model.state_dict(), {"written_by": "torch " + torch.__version__})
    case = {"layers": LENET5, "x": tj(x), "torchLogits": tj(model(x))}
    theirs = os.path.join(fixtures_dir, "lenet5_convgrad.safetensors")
    if os.path.exists(theirs):
        sd, meta = read_safetensors(theirs)
        other = build_model(LENET5)
        other.load_state_dict(sd, strict=True)
        case["convgradMetadata"] = meta
        case["convgradLogitsInTorch"] = tj(other(x))
    return case


# ---- everyday extras (issue 21, item 4) -----------------------------------------------------------

def extras_cases():
    """Schedulers (MultiStepLR, ExponentialLR), clip_grad_norm_/value_, one_hot, ModuleList and Identity, *_like."""
    out = {"schedulers": [], "clip": [], "oneHot": [], "modules": [], "like": []}
    for name, kw in [("MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.1}), ("ExponentialLR", {"gamma": 0.9}),
                     ("MultiStepLR", {"milestones": [1, 3]})]:
        w1, w2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
        opt = torch.optim.SGD([{"params": [w1], "lr": 0.5}, {"params": [w2], "lr": 0.03}], lr=0.1)
        sched = getattr(torch.optim.lr_scheduler, name)(opt, **kw)
        lrs = []
        for _ in range(8):
            opt.step()
            sched.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        out["schedulers"].append({"name": name, "options": kw, "lrs": lrs})
    out["plateau"] = []
    metrics = [1.0, 0.9, 0.95, 0.96, 0.97, 0.91, 0.9, 0.99, 1.2, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.49995, 0.4]
    for kw in [{"patience": 2, "factor": 0.5}, {"patience": 1, "factor": 0.5, "cooldown": 2, "minLr": [0.1, 0.001]},
               {"mode": "max", "patience": 2, "thresholdMode": "abs", "threshold": 0.05}, {}]:
        w1, w2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
        opt = torch.optim.SGD([{"params": [w1], "lr": 0.5}, {"params": [w2], "lr": 0.03}], lr=0.1)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **{snake(k): v for k, v in kw.items()})
        lrs = []
        for m in metrics:
            sched.step(m)
            lrs.append([g["lr"] for g in opt.param_groups])
        out["plateau"].append({"options": kw, "metrics": metrics, "lrs": lrs})
    for dtype, max_norm, norm_type in [("float32", 1.0, 2.0), ("float64", 0.5, 2.0), ("float32", 0.3, float("inf")),
                                       ("float64", 100.0, 1.0), ("float32", 2.0, 3.0)]:
        torch.manual_seed(3)
        dt = torch.float64 if dtype == "float64" else torch.float32
        ps = [torch.zeros(s, dtype=dt, requires_grad=True) for s in [[3, 4], [5], [2, 2, 2]]]
        for p in ps:
            p.grad = torch.randn(p.shape, dtype=dt) * 2
        grads = [flat(p.grad) for p in ps]
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        out["clip"].append({"dtype": dtype, "maxNorm": max_norm, "normType": "inf" if norm_type == float("inf") else norm_type,
                            "shapes": [list(p.shape) for p in ps], "grads": grads, "total": total.item(),
                            "clipped": [flat(p.grad) for p in ps]})
    torch.manual_seed(3)
    ps = [torch.zeros(7, requires_grad=True)]
    ps[0].grad = torch.randn(7)
    grads = flat(ps[0].grad)
    torch.nn.utils.clip_grad_value_(ps, 0.4)
    out["clipValue"] = {"grad": grads, "clipValue": 0.4, "clipped": flat(ps[0].grad)}
    for values, n in [([0, 3, 1, 2], -1), ([[1, 0], [2, 2]], 5), ([4], -1)]:
        y = F.one_hot(torch.tensor(values), n)
        out["oneHot"].append({"values": values, "numClasses": n, "shape": list(y.shape), "data": flat(y)})
    torch.manual_seed(0)
    ml = torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.Identity(), torch.nn.ReLU()])
    ml.append(torch.nn.Conv2d(1, 2, 3))
    out["modules"].append({"repr": repr(ml), "keys": list(ml.state_dict().keys()), "state": {k: tj(v) for k, v in ml.state_dict().items()}})
    torch.manual_seed(0)
    md = torch.nn.ModuleDict({"conv": torch.nn.Conv2d(1, 2, 3), "act": torch.nn.ReLU()})
    md["head"] = torch.nn.Linear(3, 2)
    out["modules"].append({"repr": repr(md), "keys": list(md.state_dict().keys()), "state": {k: tj(v) for k, v in md.state_dict().items()}})
    out["dropout2d"] = []
    for seed, p, shape, dtype in [(0, 0.4, [2, 3, 2, 2], "float32"), (3, 0.5, [3, 4, 5], "float64"), (1, 0.2, [4, 8, 3, 3], "float32")]:
        torch.manual_seed(seed)
        dt = torch.float64 if dtype == "float64" else torch.float32
        x = torch.randn(shape, dtype=dt)
        y = F.dropout2d(x, p) if len(shape) == 4 else F.dropout1d(x, p)
        out["dropout2d"].append({"seed": seed, "p": p, "shape": shape, "dtype": dtype, "x": flat(x), "y": flat(y),
                                 "next": torch.rand(1, dtype=torch.float64).item()})
    from torch.utils.data import random_split
    out["randomSplit"] = []
    for n, lengths, seed, own in [(10, [3, 7], 42, True), (10, [0.3, 0.7], 1, True), (11, [0.5, 0.25, 0.25], 7, False), (5, [1], 0, False)]:
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed) if own else None
        parts = random_split(range(n), lengths, generator=g) if own else random_split(range(n), lengths)
        out["randomSplit"].append({"n": n, "lengths": lengths, "seed": seed, "generator": own, "parts": [list(s.indices) for s in parts]})
    out["oneCycle"] = []
    for opt_name, kw in [("SGD", {"maxLr": 0.1, "totalSteps": 20}),
                         ("Adam", {"maxLr": [0.01, 0.002], "epochs": 3, "stepsPerEpoch": 4, "pctStart": 0.25, "annealStrategy": "linear"}),
                         ("SGD", {"maxLr": 1.0, "totalSteps": 15, "threePhase": True, "divFactor": 10.0, "finalDivFactor": 100.0,
                                  "baseMomentum": 0.8, "maxMomentum": 0.9}),
                         ("SGD", {"maxLr": 0.5, "totalSteps": 9, "cycleMomentum": False})]:
        w1, w2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
        groups = [{"params": [w1], "lr": 0.5}, {"params": [w2], "lr": 0.03}]
        opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9) if opt_name == "SGD" else torch.optim.Adam(groups, lr=0.1)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, **{snake(k): v for k, v in kw.items()})
        total = kw.get("totalSteps") or kw["epochs"] * kw["stepsPerEpoch"]
        momentum = lambda g: g["betas"][0] if "betas" in g else g["momentum"]
        lrs, moms = [[g["lr"] for g in opt.param_groups]], [[momentum(g) for g in opt.param_groups]]
        for _ in range(total - 1):
            opt.step()
            sched.step()
            lrs.append([g["lr"] for g in opt.param_groups])
            moms.append([momentum(g) for g in opt.param_groups])
        out["oneCycle"].append({"optimizer": opt_name, "options": kw, "lrs": lrs, "momentum": moms})
    out["interpolate"] = []
    torch.manual_seed(5)
    for shape, kw in [([2, 3, 5, 7], {"size": [9, 13], "mode": "bilinear", "alignCorners": False}),
                      ([1, 2, 6, 6], {"size": [11, 4], "mode": "bilinear", "alignCorners": True}),
                      ([1, 3, 5, 6], {"scaleFactor": 1.7, "mode": "bilinear", "alignCorners": False}),
                      ([2, 2, 9], {"size": 31, "mode": "linear", "alignCorners": False}),
                      ([1, 2, 3, 4, 5], {"size": [7, 5, 9], "mode": "trilinear", "alignCorners": True}),
                      ([1, 2, 5, 7], {"scaleFactor": [2.3, 0.7]}), ([1, 1, 4, 3], {"scaleFactor": 3})]:
        x = torch.randn(shape)
        y = F.interpolate(x, **{snake(k): v for k, v in kw.items()})
        out["interpolate"].append({"shape": shape, "options": kw, "x": flat(x), "y": flat(y)})
    out["generatorStates"] = []
    for seed, draws in [(7, []), (7, [["rand", 3], ["randn64", 1]]), (123, [["rand", 700], ["randperm", 10]]),
                        (2 ** 40 + 5, [["randn64", 4]])]:
        g = torch.Generator().manual_seed(seed)
        for kind, n in draws:
            if kind == "rand":
                torch.rand(n, generator=g)
            elif kind == "randn64":
                torch.randn(n, dtype=torch.float64, generator=g)
            else:
                torch.randperm(n, generator=g)
        state = bytes(g.get_state().tolist())
        nxt = torch.rand(5, dtype=torch.float64, generator=g)
        out["generatorStates"].append({"seed": seed, "draws": draws, "state": state.hex(), "next": flat(nxt)})
    # Hooks: the order PyTorch calls them in, with the shapes a full backward hook sees (None: no gradient).
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    events = []
    shape = lambda g: None if g is None else list(g.shape)
    for i, mod in enumerate(seq):
        mod.register_forward_pre_hook(lambda m, inp, i=i: events.append(f"pre {i}"))
        mod.register_forward_hook(lambda m, inp, o, i=i: events.append(f"forward {i}"))
        mod.register_full_backward_hook(lambda m, gi, go, i=i: events.append(f"backward {i} {[shape(g) for g in gi]} {[shape(g) for g in go]}"))
    y = seq(torch.randn(2, 1, 4, 4))
    y.register_hook(lambda g: events.append("tensor y"))
    y.sum().backward()
    out["hookEvents"] = {"events": events, "gradFn": type(y.grad_fn).__name__}
    for seed in [0, 4]:
        torch.manual_seed(seed)
        x = torch.randn(2, 3, dtype=torch.float64)
        out["like"].append({"seed": seed, "randnLike": flat(torch.randn_like(x)), "zeros": flat(torch.zeros_like(x)), "ones": flat(torch.ones_like(x))})
    return out


# ---- explainLayer: a conv layer's gradients inside a net, with PyTorch's values ------------------------------
class ResidualBlock(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(c)
        self.conv2 = torch.nn.Conv2d(c, c, 3, padding=1)
        self.bn2 = torch.nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class ResidualNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.block = ResidualBlock(4)
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        h = self.block(F.relu(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def layer_net(name):
    nn_ = torch.nn
    if name == "plain":
        return nn_.Sequential(nn_.Conv2d(1, 4, 3, padding=1), nn_.ReLU(), nn_.MaxPool2d(2), nn_.Conv2d(4, 6, 3), nn_.ReLU(),
                              nn_.Flatten(), nn_.Linear(24, 3))
    if name == "batchnorm":
        return nn_.Sequential(nn_.Conv2d(1, 4, 3, padding=1, bias=False), nn_.BatchNorm2d(4), nn_.ReLU(),
                              nn_.Conv2d(4, 3, 3, stride=2), nn_.Flatten(), nn_.Linear(27, 3))
    return ResidualNet()


def layer_cases():
    """explainLayer: PyTorch's gradients of a conv layer's elements inside three nets, and the layer's dy."""
    cases = []
    for net, dtype, shape, layer, mode, elements in [
        ("plain", "float32", [3, 1, 8, 8], "3", "train", [["w", [2, 1, 0, 2]], ["w", [0, 3, 2, 2]], ["b", [5]], ["x", [1, 2, 0, 3]]]),
        ("plain", "float64", [2, 1, 8, 8], "0", "train", [["w", [3, 0, 1, 1]], ["b", [0]]]),
        ("batchnorm", "float32", [4, 1, 7, 7], "0", "train", [["w", [1, 0, 1, 1]], ["w", [3, 0, 0, 2]]]),
        ("batchnorm", "float64", [4, 1, 7, 7], "3", "train", [["w", [2, 3, 1, 0]], ["b", [1]], ["x", [0, 1, 4, 4]]]),
        ("batchnorm", "float64", [2, 1, 7, 7], "3", "eval", [["w", [0, 0, 2, 2]], ["x", [1, 3, 0, 6]]]),
        ("residual", "float64", [2, 1, 6, 6], "block.conv1", "train", [["w", [1, 2, 1, 1]], ["b", [3]], ["x", [0, 0, 2, 3]]]),
        ("residual", "float32", [2, 1, 6, 6], "stem", "train", [["w", [0, 0, 1, 2]], ["b", [2]]]),
    ]:
        dt = torch.float64 if dtype == "float64" else torch.float32
        torch.manual_seed(11)
        model = layer_net(net).to(dt)
        model.train(mode == "train")
        x = torch.randn(shape, dtype=dt)
        target = torch.randint(0, 3, [shape[0]])
        layer_module = dict(model.named_modules())[layer]
        seen = {}

        def hook(m, inputs, output):
            if inputs[0].requires_grad:
                inputs[0].retain_grad()
            output.retain_grad()
            seen["x"], seen["y"] = inputs[0], output

        handle = layer_module.register_forward_hook(hook)
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        handle.remove()
        values = []
        for kind, index in elements:
            g = layer_module.weight.grad if kind == "w" else layer_module.bias.grad if kind == "b" else seen["x"].grad
            values.append(g[tuple(index)].item())
        cases.append({"net": net, "dtype": dtype, "shape": shape, "layer": layer, "mode": mode, "input": flat(x),
                      "target": target.tolist(), "elements": [{"kind": k, "index": i} for k, i in elements],
                      "values": values, "dy": flat(seen["y"].grad), "loss": loss.item()})
    return cases


# ---- torchvision's transforms (0.14, tensor path) -------------------------------------------------------------
def transform_cases():
    """Each transform on a seeded image under a seeded global generator; then what the generator draws next."""
    import torchvision.transforms as T
    cases = []
    specs = [
        ("Compose", [["RandomCrop", [10], {"padding": 2}], ["RandomHorizontalFlip", [], {}],
                     ["Normalize", [[0.5, 0.4, 0.3], [0.2, 0.25, 0.3]], {}]], [3, 12, 12], 3),
        ("RandomCrop", [[9, 8]], {"padding": [2, 3], "paddingMode": "reflect"}, [1, 10, 11], 3),
        ("RandomCrop", [6], {"padding": 1, "paddingMode": "edge"}, [2, 6, 6], 2),
        ("RandomCrop", [12], {"padIfNeeded": True, "fill": 0.5}, [1, 10, 9], 2),
        ("RandomCrop", [8], {}, [1, 8, 8], 1),
        ("RandomHorizontalFlip", [0.7], {}, [2, 5, 6], 6),
        ("Resize", [6], {}, [2, 9, 12], 1),
        ("Resize", [[7, 9]], {}, [2, 10, 10], 1),
        ("Resize", [6], {"maxSize": 9}, [1, 5, 10], 1),
        ("CenterCrop", [6], {}, [2, 9, 9], 1),
        ("CenterCrop", [[5, 8]], {}, [1, 10, 13], 1),
        ("CenterCrop", [11], {}, [1, 8, 8], 1),
        ("Normalize", [[0.1307], [0.3081]], {}, [1, 4, 4], 1),
    ]

    def build(name, args, kw):
        if name == "Compose":
            return T.Compose([build(n, a, k) for n, a, k in args])
        kw = {snake(k): v for k, v in kw.items()}
        if name == "RandomCrop":
            return T.RandomCrop(args[0], **kw)
        return getattr(T, name)(*args, **kw)

    for i, spec in enumerate(specs):
        if spec[0] == "Compose":
            name, parts, shape, repeats = spec
            args, kw = parts, {}
        else:
            name, args, kw, shape, repeats = spec
        torch.manual_seed(100 + i)
        img = torch.rand(shape)
        t = build(name, args, kw)
        torch.manual_seed(7 + i)
        outs = [t(img) for _ in range(repeats)]
        cases.append({"name": name, "args": args, "options": kw, "shape": shape, "input": flat(img),
                      "outputs": [{"shape": list(o.shape), "data": flat(o)} for o in outs], "next": torch.rand(1).item()})
    # ToTensor on HWC bytes (grayscale and RGB).
    import numpy as np
    rng = np.random.RandomState(0)
    totensor = []
    for shape in [[3, 4, 1], [2, 5, 3]]:
        arr = rng.randint(0, 256, size=shape).astype(np.uint8)
        out = T.ToTensor()(arr if shape[2] > 1 else arr)
        totensor.append({"shape": shape, "bytes": arr.flatten().tolist(), "out": flat(out), "outShape": list(out.shape)})
    # A DataLoader applying a transform per sample, as a torchvision dataset does in __getitem__.
    class Ds(torch.utils.data.Dataset):
        def __init__(self, x, y, tf):
            self.x, self.y, self.tf = x, y, tf

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return self.tf(self.x[i]), self.y[i]

    torch.manual_seed(3)
    x = torch.rand(10, 1, 8, 8)
    y = torch.arange(10)
    tf = T.Compose([T.RandomCrop(6, padding=1), T.RandomHorizontalFlip()])
    torch.manual_seed(11)
    loader = torch.utils.data.DataLoader(Ds(x, y, tf), batch_size=4, shuffle=True)
    batches = [{"x": flat(bx), "shape": list(bx.shape), "y": by.tolist()} for bx, by in loader]
    return {"cases": cases, "toTensor": totensor,
            "loader": {"x": flat(x), "batches": batches, "next": torch.rand(1).item()}}


# ---- an image folder: small PNG and JPEG files, and what torchvision's ImageFolder reads from them ----------
def image_folder_cases(fixtures_dir):
    """Writes test/fixtures/images/{cat,dog,bird}/… (PNG: gray, RGB, RGBA, palette; JPEG: RGB, gray) with PIL and
    records ImageFolder's classes, sample order, labels and ToTensor pixels (RGB, as its pil_loader converts)."""
    import numpy as np
    from PIL import Image
    import torchvision
    import torchvision.transforms as T
    root = os.path.join(fixtures_dir, "images")
    rng = np.random.RandomState(1)
    files = [("dog", "b.png", "RGB"), ("dog", "a.jpg", "RGB"), ("cat", "z.png", "L"), ("cat", "y.jpeg", "L"),
             ("cat", "x.png", "RGBA"), ("bird", "p.png", "P"), ("bird", "notes.txt", None)]
    for cls, name, mode in files:
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        path = os.path.join(root, cls, name)
        if mode is None:
            open(path, "w").write("not an image\n")
            continue
        h, w = 5, 6
        if mode == "L":
            img = Image.fromarray(rng.randint(0, 256, (h, w)).astype(np.uint8), "L")
        elif mode == "P":
            img = Image.fromarray(rng.randint(0, 256, (h, w, 3)).astype(np.uint8), "RGB").quantize(colors=8)
        else:
            img = Image.fromarray(rng.randint(0, 256, (h, w, len(mode))).astype(np.uint8), mode)
        if name.endswith(("jpg", "jpeg")):
            # 4:4:4 (no chroma subsampling): jpeg-js upsamples chroma by repetition where libjpeg interpolates.
            img.save(path, quality=90, subsampling=0)
        else:
            img.save(path)
    ds = torchvision.datasets.ImageFolder(root, transform=T.ToTensor())
    samples = []
    for (path, label), (x, _) in zip(ds.samples, ds):
        samples.append({"path": os.path.relpath(path, root), "label": label, "shape": list(x.shape), "data": flat(x)})
    gray = torchvision.datasets.ImageFolder(root, transform=T.ToTensor(), loader=lambda p: Image.open(p).convert("L"))
    return {"classes": ds.classes, "classToIdx": ds.class_to_idx, "samples": samples,
            "grayscale": [flat(x) for x, _ in gray]}


# ---- PyTorch export: the files exportPyTorch wrote (scripts/write-export-fixture.mjs), run with PyTorch -------
def export_cases(fixtures_dir):
    """For each test/fixtures/export/*.py: build() after torch.manual_seed(0) (convgrad's init is PyTorch's), its
    load() on a safetensors file of those weights, and the logits on torch.rand(4, 1, 8, 8) after manual_seed(1)."""
    import importlib.util
    import tempfile
    cases = {}
    folder = os.path.join(fixtures_dir, "export")
    for name in sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py")):
        spec = importlib.util.spec_from_file_location(f"exported_{name}", os.path.join(folder, name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        torch.manual_seed(0)
        model = mod.build().eval()
        # load() reads what convgrad writes: a weights file written here in the same format.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "w.safetensors")
            write_safetensors(path, model.state_dict(), {"model": name})
            loaded = mod.load(path)
        same = all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
        torch.manual_seed(1)
        x = torch.rand(4, 1, 8, 8)
        with torch.no_grad():
            logits = model(x)
        cases[name] = {"loadsItsWeights": same, "input": flat(x), "logits": flat(logits), "shape": list(logits.shape)}
    return cases
