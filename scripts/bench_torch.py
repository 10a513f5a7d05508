#!/usr/bin/env python3
"""The benchmark shapes of bench/bench.ts in PyTorch (Debian's python3-torch, oneDNN), for reference.

    /usr/bin/python3 scripts/bench_torch.py [--threads N]

Prints median ms and GFLOP/s of forward, input gradient and weight gradient (torch.nn.grad.conv2d_input /
conv2d_weight, i.e. aten.convolution_backward), float32, NCHW.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight

SHAPES = [
    ("seed 1x1x4x4→2 k3 p1", 1, 1, 4, 4, 2, 3, 1, 1, 1, 1),
    ("LeNet 64x1x28x28→6 k5 p2", 64, 1, 28, 28, 6, 5, 1, 2, 1, 1),
    ("LeNet 64x6x14x14→16 k5", 64, 6, 14, 14, 16, 5, 1, 0, 1, 1),
    ("ResNet 8x64x56x56→64 k3 p1", 8, 64, 56, 56, 64, 3, 1, 1, 1, 1),
    ("ResNet 8x128x28x28→256 k3 s2 p1", 8, 128, 28, 28, 256, 3, 2, 1, 1, 1),
    ("pointwise 8x256x14x14→256 k1", 8, 256, 14, 14, 256, 1, 1, 0, 1, 1),
    ("depthwise 8x128x56x56 g128 k3 p1", 8, 128, 56, 56, 128, 3, 1, 1, 1, 128),
    ("dilated 8x64x56x56→64 k3 p2 d2", 8, 64, 56, 56, 64, 3, 1, 2, 2, 1),
]


def median_ms(fn):
    fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < 15 and (len(samples) < 3 or time.perf_counter() - start < 2):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    for name, n, cin, h, w, cout, k, s, p, d, g in SHAPES:
        x = torch.randn(n, cin, h, w)
        wt = torch.randn(cout, cin // g, k, k)
        y = F.conv2d(x, wt, stride=s, padding=p, dilation=d, groups=g)
        dy = torch.randn_like(y)
        flops = 2 * n * cout * (cin // g) * y.shape[2] * y.shape[3] * k * k
        with torch.no_grad():
            times = {
                "forward": median_ms(lambda: F.conv2d(x, wt, stride=s, padding=p, dilation=d, groups=g)),
                "gradInput": median_ms(lambda: conv2d_input(x.shape, wt, dy, stride=s, padding=p, dilation=d, groups=g)),
                "gradWeight": median_ms(lambda: conv2d_weight(x, wt.shape, dy, stride=s, padding=p, dilation=d, groups=g)),
            }
        for pass_, ms in times.items():
            print(f"{name:34} {pass_:10} {ms:9.3f} ms {flops / ms / 1e6:8.1f} GF/s")


if __name__ == "__main__":
    main()
