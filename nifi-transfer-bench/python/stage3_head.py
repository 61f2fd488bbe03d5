#!/usr/bin/python3
"""Stage 3 peer: the same head as TrainHead's default (fixed standardisation, dropout 0.2, dense to the classes),
RMSprop (Keras' rho 0.9, epsilon 1e-7), lr 1e-3, batch 32, shuffled, a validation pass after every epoch.
The same protocol as the Java side: the first training (of --epochs) is the cold figure, then --warm-up-seconds of
trainings, then trainings for at least --seconds, timed together."""
import argparse
import os
import time

import numpy as np
import torch
from torch import nn

from benchcommon import emit, set_threads, validate

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--dir", required=True, help="folder with train_x.npy, train_y.npy, val_x.npy, val_y.npy")
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--classes", type=int, required=True)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--warm-up-seconds", type=float, default=15)
parser.add_argument("--seconds", type=float, default=8)
args = parser.parse_args()
set_threads(args.threads)
torch.manual_seed(42)

load = lambda name: torch.from_numpy(np.load(os.path.join(args.dir, name)))
train_x, train_y = load("train_x.npy"), load("train_y.npy").long()
val_x, val_y = load("val_x.npy"), load("val_y.npy").long()
mean = train_x.mean(0)
scale = 1 / train_x.std(0, unbiased=False).clamp_min(1e-6)


class Standardize(nn.Module):
    def forward(self, x):
        return (x - mean) * scale


def make_head():
    return nn.Sequential(Standardize(), nn.Dropout(0.2), nn.Linear(train_x.shape[1], args.classes))


def train(epochs):
    head = make_head()
    optimizer = torch.optim.RMSprop(head.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    accuracy = 0.0
    for _ in range(epochs):
        head.train()
        order = torch.randperm(len(train_x))
        for start in range(0, len(order), args.batch_size):
            index = order[start:start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(head(train_x[index]), train_y[index])
            loss.backward()
            optimizer.step()
        head.eval()
        _, accuracy = validate(head, val_x, val_y, loss_fn, args.batch_size)
    return accuracy


start = time.perf_counter()
train(args.epochs)
cold = time.perf_counter() - start
warm_up_end = time.perf_counter() + args.warm_up_seconds
while time.perf_counter() < warm_up_end:
    train(args.epochs)
trainings = 0
start = time.perf_counter()
while True:
    accuracy = train(args.epochs)
    trainings += 1
    if time.perf_counter() - start >= args.seconds:
        break
elapsed = time.perf_counter() - start
emit(epochs_per_s=trainings * args.epochs / elapsed, cold_epochs_per_s=args.epochs / cold, trainings=trainings,
     epochs=args.epochs, seconds=elapsed, val_accuracy=accuracy, train=len(train_x), val=len(val_x),
     dimension=int(train_x.shape[1]))
