#!/usr/bin/env python3
"""Write tests/fixtures/torch_reference.json: PyTorch's outputs and gradients
for every layer of lenet and for one whole LeNet-5 pass, in float64, so that
tests/torch_reference.rs can check the crate against an independent
implementation.

Run by hand (never in CI), from the repository root, with a Python that has
torch and numpy:

    python3 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch numpy
    /tmp/torchvenv/bin/python tools/torch_reference.py
    cargo test --test torch_reference

Everything is seeded (torch.manual_seed(1998)), so re-running with the same
torch version rewrites the same numbers (up to the last printed digit).
New cases are drawn after all the others and written under a new key
(`conv_strided`, the convolution with stride and padding, last), so adding
them left every earlier entry of the fixture byte for byte as it was.

The batch convention. The crate's δ is per sample and its parameter
gradients are batch means (CONTRIBUTING.md). Here every case differentiates
a *mean* loss over the N samples of the batch: for a layer with output y and
a fixed random upstream gradient G, L = (1/N) Σ_n Σ G_n ⊙ y_n. So PyTorch's
parameter gradients equal the crate's, and PyTorch's input gradients are the
crate's divided by N. The Rust test states this mapping where it uses it.

Layouts are PyTorch's: NCHW for images, and for Linear x is N × in,
W is out × in (the crate's W too), y = x Wᵀ + b. The crate holds samples as
columns, so the test transposes x, y and G.

Numbers: inputs and parameters are rounded to 6 decimals before use, so the
decimal written is exactly the value PyTorch used; outputs and gradients are
written with 13 significant digits (relative rounding 5e-14, far below the
test's 1e-10). Max-pooling inputs are distinct values, so no window has a
tie and the argmax is the same in both implementations.
"""

import json
import os
import sys
import tempfile

import torch
import torch.nn.functional as F

OUT = os.path.join("tests", "fixtures", "torch_reference.json")
torch.manual_seed(1998)
torch.set_default_dtype(torch.float64)


def rounded(t):
    """t rounded to 6 decimals: exactly representable in the JSON text."""
    return torch.round(t * 1e6) / 1e6


def uniform(*shape, bound=1.0):
    return rounded((torch.rand(*shape) * 2 - 1) * bound)


def distinct(*shape):
    """Distinct values in [-1, 1), shuffled: no ties in any pooling window."""
    n = 1
    for s in shape:
        n *= s
    values = torch.arange(n, dtype=torch.float64) / n * 2 - 1
    return rounded(values[torch.randperm(n)].reshape(shape))


def exact(t):
    """An input: its shortest round-trip decimal (it has ≤ 6 decimals)."""
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def sig13(v):
    """v rounded to 13 significant digits; json then prints at most 13."""
    return float(format(v, ".13g"))


def result(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [sig13(v) for v in t.reshape(-1).tolist()]}


def mean_loss(y, g):
    """L = (1/N) Σ_n Σ G_n ⊙ y_n, N = the leading (batch) dimension."""
    return (g * y).sum() / y.shape[0]


def conv_case(n, c, k, side, ksize, padding):
    x = uniform(n, c, side, side).requires_grad_()
    w = uniform(k, c, ksize, ksize, bound=0.5).requires_grad_()
    b = uniform(k, bound=0.2).requires_grad_()
    y = F.conv2d(x, w, b, padding=padding)
    g = uniform(*y.shape)
    mean_loss(y, g).backward()
    return {"padding": padding, "x": exact(x), "w": exact(w), "b": exact(b), "g": exact(g),
            "y": result(y), "dx": result(x.grad), "dw": result(w.grad), "db": result(b.grad)}


def conv_strided_case(n, c, k, input_hw, kernel_hw, stride, padding):
    """A convolution with stride and padding. The input sizes need not fit
    the stride: PyTorch rounds the output size down, as the crate does."""
    x = uniform(n, c, *input_hw).requires_grad_()
    w = uniform(k, c, *kernel_hw, bound=0.5).requires_grad_()
    b = uniform(k, bound=0.2).requires_grad_()
    y = F.conv2d(x, w, b, stride=stride, padding=padding)
    g = uniform(*y.shape)
    mean_loss(y, g).backward()
    return {"stride": stride, "padding": padding, "x": exact(x), "w": exact(w), "b": exact(b), "g": exact(g),
            "y": result(y), "dx": result(x.grad), "dw": result(w.grad), "db": result(b.grad)}


def pool_case(kind, shape, size, stride):
    x = distinct(*shape).requires_grad_()
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    y = pool(x, size, stride)
    g = uniform(*y.shape)
    mean_loss(y, g).backward()
    return {"size": size, "stride": stride, "x": exact(x), "g": exact(g),
            "y": result(y), "dx": result(x.grad)}


def activation_case(name, fn):
    x = uniform(2, 3, 4, 5, bound=3.0)
    # Away from ReLU's kink, where the two conventions might differ.
    x = torch.where(x.abs() < 1e-2, x + 0.05, x).requires_grad_()
    y = fn(x)
    g = uniform(*y.shape)
    mean_loss(y, g).backward()
    return {"name": name, "x": exact(x), "g": exact(g), "y": result(y), "dx": result(x.grad)}


def linear_case(n, fan_in, fan_out):
    x = uniform(n, fan_in).requires_grad_()
    w = uniform(fan_out, fan_in, bound=0.5).requires_grad_()
    b = uniform(fan_out, bound=0.2).requires_grad_()
    y = F.linear(x, w, b)
    g = uniform(*y.shape)
    mean_loss(y, g).backward()
    return {"x": exact(x), "w": exact(w), "b": exact(b), "g": exact(g), "y": result(y),
            "dx": result(x.grad), "dw": result(w.grad), "db": result(b.grad)}


def mse_case(n, k):
    a = uniform(n, k).requires_grad_()
    target = uniform(n, k)
    # ½‖a_n − y_n‖² averaged over the samples (not over every entry as
    # F.mse_loss's default would).
    loss = 0.5 * ((a - target) ** 2).sum() / n
    loss.backward()
    return {"a": exact(a), "target": exact(target), "loss": sig13(loss.item()), "grad": result(a.grad)}


def softmax_ce_case(n, classes):
    logits = uniform(n, classes, bound=4.0).requires_grad_()
    labels = torch.randint(0, classes, (n,))
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    return {"logits": exact(logits), "labels": labels.tolist(), "loss": sig13(loss.item()),
            "softmax": result(F.softmax(logits, dim=1)), "grad": result(logits.grad)}


def lenet_case(n):
    """LeNet-5: conv 6@5×5 pad 2, ReLU, max 2, conv 16@5×5, ReLU, max 2,
    fc 400→120, ReLU, 120→84, ReLU, 84→10, softmax cross-entropy."""
    shapes = {
        "conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,),
        "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
        "fc1.weight": (120, 400), "fc1.bias": (120,),
        "fc2.weight": (84, 120), "fc2.bias": (84,),
        "fc3.weight": (10, 84), "fc3.bias": (10,),
    }
    fan_in = {"conv1": 25, "conv2": 150, "fc1": 400, "fc2": 120, "fc3": 84}
    # PyTorch's default initialisation bound, 1/√fan_in.
    params = {name: uniform(*s, bound=fan_in[name.split(".")[0]] ** -0.5).requires_grad_()
              for name, s in shapes.items()}
    x = rounded(torch.rand(n, 1, 28, 28)).requires_grad_()
    labels = torch.randint(0, 10, (n,))
    p = params
    a = F.max_pool2d(F.relu(F.conv2d(x, p["conv1.weight"], p["conv1.bias"], padding=2)), 2)
    a = F.max_pool2d(F.relu(F.conv2d(a, p["conv2.weight"], p["conv2.bias"])), 2)
    a = a.reshape(n, -1)
    a = F.relu(F.linear(a, p["fc1.weight"], p["fc1.bias"]))
    a = F.relu(F.linear(a, p["fc2.weight"], p["fc2.bias"]))
    logits = F.linear(a, p["fc3.weight"], p["fc3.bias"])
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    return {
        "x": exact(x), "labels": labels.tolist(),
        "params": {k: exact(v) for k, v in params.items()},
        "logits": result(logits), "loss": sig13(loss.item()),
        "grads": {k: result(v.grad) for k, v in params.items()},
        "dx": result(x.grad),
    }


def main():
    if not os.path.isdir(os.path.dirname(OUT)):
        sys.exit(f"run from the repository root: {os.path.dirname(OUT)}/ not found")
    fixture = {
        "about": "PyTorch float64 reference values; written by tools/torch_reference.py",
        "torch_version": torch.__version__,
        "conv": [conv_case(2, 3, 4, 8, 5, 0), conv_case(3, 2, 5, 7, 5, 2), conv_case(2, 1, 2, 6, 3, 1)],
        "mean_pool": [pool_case("mean", (2, 3, 8, 8), 2, 2), pool_case("mean", (2, 3, 9, 9), 3, 2)],
        "max_pool": [pool_case("max", (2, 3, 8, 8), 2, 2), pool_case("max", (2, 3, 9, 9), 3, 2),
                     pool_case("max", (2, 2, 5, 5), 2, 1)],
        "activation": [activation_case("relu", F.relu), activation_case("sigmoid", torch.sigmoid),
                       activation_case("tanh", torch.tanh)],
        "linear": [linear_case(4, 7, 5), linear_case(1, 3, 2)],
        "mse": mse_case(4, 6),
        "softmax_ce": softmax_ce_case(5, 10),
        "lenet": lenet_case(3),
        # Drawn last, so the random numbers of every case above are the
        # same as before these cases existed.
        "conv_strided": [conv_strided_case(2, 2, 3, hw, (3, 3), stride, padding)
                         for hw in [(5, 5), (6, 7)] for stride, padding in [(2, 1), (2, 0), (3, 1)]]
                        + [conv_strided_case(2, 2, 3, (7, 6), (2, 3), 3, 2)],
    }
    text = json.dumps(fixture, separators=(",", ":"))
    # Write to a temporary file in the same folder, then rename: a reader
    # never sees a half-written fixture.
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(OUT), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.write("\n")
    os.chmod(tmp, 0o644)  # mkstemp makes it private; the fixture is committed
    os.replace(tmp, OUT)
    print(f"wrote {OUT}: {len(text)} bytes")


if __name__ == "__main__":
    main()
