#!/usr/bin/env python3
"""PyTorch's side of the training benchmark (bench/train.ts, nets in bench/nets.ts): the same four nets,
optimizers, batch 64 and step counts, timed the same way. Prints one JSON line: images/s per net and
thread count.

    /usr/bin/python3 scripts/bench_torch_train.py [--nets lenet5:200:20,bncnn:40:5] [--threads 1,2]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DIR, name + ".gz")) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def bn_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                         if stride != 1 or cin != cout else None)

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet8(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.layers = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.pool(self.layers(self.stem(x))).flatten(1))


def build(net):
    if net == "lenet5":
        m = lenet5()
        return m, torch.optim.Adam(m.parameters(), lr=1e-3), torch.float32
    if net == "lenet5-f64":
        m = lenet5().double()
        return m, torch.optim.Adam(m.parameters(), lr=1e-3), torch.float64
    if net == "bncnn":
        m = bn_cnn()
        return m, torch.optim.AdamW(m.parameters(), lr=1e-3), torch.float32
    if net == "resnet8":
        m = ResNet8()
        return m, torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4), torch.float32
    raise ValueError(net)


def run(net, threads, steps, warmup, batch=64):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model, opt, dtype = build(net)
    if net == "resnet8":
        torch.manual_seed(1)
        X = torch.randn(8 * batch, 3, 32, 32)
        Y = torch.randint(0, 10, (8 * batch,))

        def data(i):
            at = (i % 8) * batch
            return X[at:at + batch], Y[at:at + batch]
    else:
        X = torch.from_numpy(idx("train-images-idx3-ubyte").astype(np.float32) / 255).view(-1, 1, 28, 28)
        Y = torch.from_numpy(idx("train-labels-idx1-ubyte").astype(np.int64))
        torch.manual_seed(1)
        perm = torch.randperm(X.shape[0])

        def data(i):
            at = (i * batch) % 59968
            j = perm[at:at + batch]
            return X[j].to(dtype), Y[j]

    def step(i):
        x, y = data(i)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(warmup):
        step(i)
    t = time.perf_counter()
    for i in range(steps):
        step(warmup + i)
    return {"trainImagesPerSecond": steps * batch / (time.perf_counter() - t)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nets", default="lenet5:200:20,bncnn:40:5,resnet8:30:5,lenet5-f64:40:5")
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    nets = {}
    for spec in a.nets.split(","):
        name, steps, warmup = spec.split(":")
        nets[name] = {t: run(name, int(t), int(steps), int(warmup)) for t in a.threads.split(",")}
    print(json.dumps({"torch": torch.__version__, "nets": nets}))


if __name__ == "__main__":
    main()
