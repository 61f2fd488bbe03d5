#!/usr/bin/python3
"""Stage 4 peer: fine-tuning throughput, forward + backward with the top blocks of the base unfrozen and a new
head (dropout 0.2, dense) on global average pooling; FineTune's default optimizer, RMSprop at 3e-4 (Keras' rho 0.9,
epsilon 1e-7), on the unfrozen parameters and the head; the same normalised batch from an .npy every step."""
import argparse
import time

import numpy as np
import torch
from torch import nn

from benchcommon import augment, emit, set_threads, unfreeze_top

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--model", required=True, help="headless TorchScript base")
parser.add_argument("--batch", required=True, help=".npy float32 [N,3,H,W], already normalised")
parser.add_argument("--classes", type=int, default=5)
parser.add_argument("--unfreeze", type=int, default=2, help="top N blocks (first name segment) unfrozen")
parser.add_argument("--seconds", type=float, default=8)
parser.add_argument("--augment", action="store_true", help="a new random affine warp of the batch every step")
args = parser.parse_args()
set_threads(args.threads)
torch.manual_seed(42)

base = torch.jit.load(args.model, map_location="cpu")
trainable = unfreeze_top(base, args.unfreeze)
batch = torch.from_numpy(np.load(args.batch))
with torch.no_grad():
    channels = base(batch[:1]).shape[1]
head = nn.Sequential(nn.Dropout(0.2), nn.Linear(channels, args.classes))
labels = torch.arange(len(batch)) % args.classes
optimizer = torch.optim.RMSprop(trainable + list(head.parameters()), lr=3e-4, alpha=0.9, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
base.train()
head.train()


def step():
    optimizer.zero_grad()
    loss = loss_fn(head(base(augment(batch) if args.augment else batch).mean(dim=(2, 3))), labels)
    loss.backward()
    optimizer.step()


for _ in range(2):
    step()
steps = 0
start = time.perf_counter()
while True:
    step()
    steps += 1
    elapsed = time.perf_counter() - start
    if elapsed >= args.seconds and steps >= 3:
        break
emit(images_per_s=steps * len(batch) / elapsed, steps=steps, batch_size=len(batch), unfrozen_blocks=sorted({int(n.split(".")[0]) for n, p in base.named_parameters() if p.requires_grad}),
     trainable_parameters=sum(p.numel() for p in trainable))
