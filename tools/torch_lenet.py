#!/usr/bin/env python3
"""Train the same LeNet in PyTorch for one epoch of Fashion-MNIST and print
images/s as JSON, for comparison with our fast path (scripts/bench-vs-torch.sh).

Same network (conv 6@5x5 pad 2, 2x2 max pool, conv 16@5x5, 2x2 max pool,
fc 400-120-84-10, ReLU; or tanh + mean pooling with --arch classic), same
batch 64, SGD with momentum 0.9, lr 0.02, weight decay 5e-4, pixels p/255,
float32. The IDX files are parsed with numpy (no torchvision, no download).
Time counts the training steps only (batch assembly, forward, backward,
update), as in examples/throughput.rs.

usage: torch_lenet.py [--threads T] [--dir DIR] [--batches B] [--arch A]
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    """An IDX file (raw or .gz) as a numpy array; errors name the file."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        sys.exit(f"{path}: header says {dims} but holds {body.size} bytes")
    return body.reshape(dims)


def find(dir_, name):
    for cand in (name + ".gz", name):
        p = os.path.join(dir_, cand)
        if os.path.exists(p):
            return p
    sys.exit(f"{dir_}: missing {name}(.gz)")


class LeNet(nn.Module):
    def __init__(self, arch):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.act = F.relu if arch == "modern" else torch.tanh
        self.pool = F.max_pool2d if arch == "modern" else F.avg_pool2d

    def forward(self, x):
        x = self.pool(self.act(self.conv1(x)), 2)
        x = self.pool(self.act(self.conv2(x)), 2)
        x = x.flatten(1)
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--batches", type=int, default=None)
    ap.add_argument("--arch", choices=["modern", "classic"], default="modern")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    x = read_idx(find(args.dir, "train-images-idx3-ubyte"))
    y = read_idx(find(args.dir, "train-labels-idx1-ubyte"))
    if x.shape[0] != y.shape[0]:
        sys.exit(f"{args.dir}: {x.shape[0]} images but {y.shape[0]} labels")
    images = torch.from_numpy(x.copy()).to(torch.float32).div_(255.0).unsqueeze(1)
    labels = torch.from_numpy(y.astype(np.int64))

    net = LeNet(args.arch)
    opt = torch.optim.SGD(net.parameters(), lr=0.02, momentum=0.9, weight_decay=5e-4)
    order = torch.randperm(images.shape[0])
    batches = order.split(64)
    if args.batches is not None:
        batches = batches[: args.batches]

    start = time.perf_counter()
    seen, loss_sum, correct = 0, 0.0, 0
    for idx in batches:
        xb, yb = images[idx], labels[idx]
        opt.zero_grad(set_to_none=True)
        logits = net(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        opt.step()
        seen += len(idx)
        loss_sum += loss.item() * len(idx)
        correct += (logits.argmax(1) == yb).sum().item()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "engine": "pytorch " + torch.__version__,
        "arch": args.arch,
        "threads": args.threads,
        "batch_size": 64,
        "images": seen,
        "seconds": seconds,
        "images_per_second": seen / seconds,
        "train_loss": loss_sum / seen,
        "train_accuracy": correct / seen,
    }))


if __name__ == "__main__":
    main()
