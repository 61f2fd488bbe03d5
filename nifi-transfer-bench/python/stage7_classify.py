#!/usr/bin/python3
"""Stage 7 peer: classify single images with a model file as ClassifyImage does, in PIL + torch.

The model file is the tar TrainHead writes: model.json, base/base.pt (TorchScript), head/NN.npy. Each image is decoded
and resized with PIL (stretch, bilinear), normalised with the model's preset, run through the base, average-pooled, through
the head (standardisation, then the linear layer) and a softmax. Throughput: batches of --batch images, decoded on a pool
of --threads threads, one forward pass each. Latency: one image at a time, read from memory, p50 and p99."""
import argparse
import io
import json
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from PIL import Image

from benchcommon import emit, set_threads

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--model", required=True, help="a model tar")
parser.add_argument("--list", required=True, help="file with one image path a line")
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--seconds", type=float, default=8)
parser.add_argument("--latency-images", type=int, default=200)
args = parser.parse_args()
set_threads(args.threads)

with tarfile.open(args.model) as tar:
    manifest = json.load(tar.extractfile("model.json"))
    base = torch.jit.load(io.BytesIO(tar.extractfile(manifest["base"]["entry"]).read()))
    head = [(p["name"], np.load(io.BytesIO(tar.extractfile(p["entry"]).read()))) for p in manifest["headParameters"]]
base.eval()
spec = manifest["input"]
size = (spec["width"], spec["height"])
norm = spec["normalization"]
order = norm["channelOrder"]
mean = np.array(norm["mean"], dtype=np.float32)
std = np.array(norm["std"], dtype=np.float32)
head = [(name, torch.from_numpy(value)) for name, value in head]
files = [line for line in open(args.list).read().splitlines() if line]
blobs = [open(path, "rb").read() for path in files]


def prepare(blob):
    with Image.open(io.BytesIO(blob)) as image:
        pixels = np.asarray(image.convert("RGB").resize(size, Image.BILINEAR), dtype=np.float32)
    if order == "BGR":
        pixels = pixels[..., ::-1]
    return np.ascontiguousarray(((pixels - mean) / std).transpose(2, 0, 1))


def classify(batch):
    with torch.no_grad():
        x = base(torch.from_numpy(np.stack(batch))).mean(dim=(2, 3))
        for name, value in head:
            if name.endswith("mean"):
                x = x - value
            elif name.endswith("scale"):
                x = x * value
            elif name.endswith("weight"):
                x = x @ value.T
            elif name.endswith("bias"):
                x = x + value
        return torch.softmax(x, dim=1).numpy()


pool = ThreadPoolExecutor(args.threads)
position = 0


def next_batch():
    global position
    chosen = [blobs[(position + i) % len(blobs)] for i in range(args.batch)]
    position += args.batch
    return classify(list(pool.map(prepare, chosen)))


for _ in range(2):
    next_batch()
done, start = 0, time.perf_counter()
while time.perf_counter() - start < args.seconds or done < 3 * args.batch:
    next_batch()
    done += args.batch
throughput = done / (time.perf_counter() - start)

latencies = []
for i in range(args.latency_images + 10):
    begin = time.perf_counter()
    classify([prepare(blobs[i % len(blobs)])])
    if i >= 10:
        latencies.append((time.perf_counter() - begin) * 1000)
latencies.sort()
emit(images_per_s=throughput, p50_ms=latencies[len(latencies) // 2], p99_ms=latencies[int(len(latencies) * 0.99) - 1],
     torch=torch.__version__)
