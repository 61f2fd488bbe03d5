#!/usr/bin/python3
"""Stage 2 peer: frozen feature extraction with PyTorch eager (torch.jit.load + no_grad), global average pooling."""
import argparse
import time

import numpy as np
import torch

from benchcommon import emit, set_threads

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--model", required=True, help="headless TorchScript base")
parser.add_argument("--batch", required=True, help=".npy float32 [N,3,H,W], already normalised")
parser.add_argument("--seconds", type=float, default=8)
args = parser.parse_args()
set_threads(args.threads)

model = torch.jit.load(args.model, map_location="cpu").eval()
batch = np.load(args.batch)


def run():
    with torch.no_grad():
        x = torch.from_numpy(batch)
        return model(x).mean(dim=(2, 3)).numpy()


for _ in range(2):
    run()
batches = 0
start = time.perf_counter()
while True:
    run()
    batches += 1
    elapsed = time.perf_counter() - start
    if elapsed >= args.seconds and batches >= 3:
        break
emit(images_per_s=batches * len(batch) / elapsed, batches=batches, batch_size=len(batch), torch=torch.__version__)
