#!/usr/bin/env python3
"""PyTorch's side of the training benchmark (bench/train.ts): LeNet-5 on Fashion-MNIST, Adam lr 1e-3,
batch 64, the same steps timed the same way. Prints one JSON line: images/s per thread count.

    /usr/bin/python3 scripts/bench_torch_train.py [--steps 200] [--threads 1,2]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DIR, name + ".gz")) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def lenet5():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def run(threads, steps, warmup=20, batch=64):
    torch.set_num_threads(threads)
    X = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255).view(-1, 1, 28, 28)
    Y = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
    Xt = torch.from_numpy(idx("t10k-images-idx3-ubyte").astype(np.float32) / 255).view(-1, 1, 28, 28)[:2000]
    torch.manual_seed(0)
    model = lenet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    perm = torch.randperm(X.shape[0])

    def step(i):
        idx_ = perm[(i * batch) % 59968:(i * batch) % 59968 + batch]
        loss = F.cross_entropy(model(X[idx_]), Y[idx_])
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(warmup):
        step(i)
    t = time.perf_counter()
    for i in range(steps):
        step(warmup + i)
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    with torch.no_grad():
        for i in range(0, 2000, 1000):
            model(Xt[i:i + 1000]).argmax(1)
    eval_s = time.perf_counter() - t
    return {"trainImagesPerSecond": steps * batch / train_s, "evalImagesPerSecond": 2000 / eval_s}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    out = {"torch": torch.__version__, "threads": {t: run(int(t), a.steps) for t in a.threads.split(",")}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
