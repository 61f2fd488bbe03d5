"""Shared helpers for the Python peers: thread setup and the one JSON result line."""
import json
import sys


def set_threads(threads):
    """Same thread count as the Java side: torch intra- and inter-op."""
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # already set (only allowed once, before any parallel work)


def emit(**fields):
    """Prints the result as the last line of stdout: one JSON object."""
    print(json.dumps(fields), flush=True)


def blas_library():
    """The BLAS library this process has loaded (torch built with BLAS_INFO=generic calls the system's libblas.so.3,
    which Debian's alternatives point at the reference BLAS or at OpenBLAS), by its path in /proc/self/maps."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    names = sorted(path.rsplit("/", 1)[-1] for path in paths if "lapack" not in path)
    return ", ".join(names) or "none loaded"


def log(message):
    print(message, file=sys.stderr, flush=True)


def validate(model_fn, inputs, labels, loss_fn, batch_size):
    """Mean loss and accuracy of model_fn over inputs, in batches, without gradients."""
    import torch
    total, correct = 0.0, 0
    with torch.no_grad():
        for first in range(0, len(labels), batch_size):
            logits = model_fn(inputs[first:first + batch_size])
            y = labels[first:first + batch_size]
            total += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
    return total / len(labels), correct / len(labels)


def augment(x):
    """The Augment processor's defaults as Keras' ImageDataGenerator: one random affine warp per image (rotation 40,
    width and height shifts 0.2, zoom 0.8-1.2, horizontal flip, nearest fill, bilinear), on a float NCHW batch."""
    import math
    import torch
    import torch.nn.functional as F
    n = x.shape[0]
    angle = torch.empty(n).uniform_(-40, 40) * math.pi / 180
    zoom = torch.empty(n, 2).uniform_(0.8, 1.2)
    shift = torch.empty(n, 2).uniform_(-0.2, 0.2) * 2  # fraction of the size, in [-1, 1] grid units
    flip = torch.where(torch.rand(n) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = cos * zoom[:, 0] * flip
    theta[:, 0, 1] = -sin * zoom[:, 1]
    theta[:, 1, 0] = sin * zoom[:, 0] * flip
    theta[:, 1, 1] = cos * zoom[:, 1]
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def unfreeze_top(base, blocks):
    """Makes the parameters of the top `blocks` blocks (first name segment, as UnfreezeLayers counts them) trainable
    and freezes the rest; returns the trainable ones."""
    indices = sorted({int(name.split(".")[0]) for name, _ in base.named_parameters()})
    top = set(indices[-blocks:])
    trainable = []
    for name, parameter in base.named_parameters():
        parameter.requires_grad_(int(name.split(".")[0]) in top)
        if parameter.requires_grad:
            trainable.append(parameter)
    return trainable
