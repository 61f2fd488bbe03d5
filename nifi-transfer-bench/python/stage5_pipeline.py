#!/usr/bin/python3
"""Stage 5 peer: the cats-vs-dogs template's pipeline as one Python script, with the processors' defaults.

Load the folder (train/, val/ or validation/, test/ or a stratified, seeded fifth of validation as test; class
folders only: 80/10/10), decode + resize (PIL bilinear, stretch) + normalise, extract the frozen base's features of
train and validation (torch.jit, no_grad, batch 32, global average pooling), train a head (standardised features,
dropout 0.2, dense; Adam 1e-3, batch 32, keep the epoch with the lowest validation loss), evaluate it on test,
unfreeze the top blocks, fine-tune base and head (RMSprop 3e-4 with a cosine decay to 3e-6 over the phase's
updates, rho 0.9, epsilon 1e-7, batch 32, new random
augmentation every epoch: rotation 40, shifts 0.2, zoom 0.2, horizontal flip, nearest fill; the incoming weights
count as a baseline and the best epoch is kept), evaluate again, save both models and the metrics.
Timed from after the imports to the end; prints one JSON line."""
import argparse
import copy
import json
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from PIL import Image
from torch import nn

from benchcommon import augment, emit, log, set_threads, unfreeze_top, validate

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--data", required=True)
parser.add_argument("--model", required=True, help="headless TorchScript base")
parser.add_argument("--out", required=True, help="folder for the models and metrics")
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--order", default="RGB", choices=["RGB", "BGR"])
parser.add_argument("--mean", default="0,0,0", help="0..255 units, output channel order")
parser.add_argument("--std", default="1,1,1", help="0..255 units, output channel order")
parser.add_argument("--head-epochs", type=int, default=10)
parser.add_argument("--fine-tune-epochs", type=int, default=2)
parser.add_argument("--unfreeze", type=int, default=2)
parser.add_argument("--test-from-validation", type=float, default=0.2)
parser.add_argument("--batch-size", type=int, default=32)
args = parser.parse_args()
start = time.perf_counter()
set_threads(args.threads)
torch.manual_seed(42)
rng = np.random.default_rng(42)
os.makedirs(args.out, exist_ok=True)
EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")


# ---------------------------------------------------------------- load the folder

def listing(folder, classes):
    files, labels = [], []
    for label, name in enumerate(classes):
        directory = os.path.join(folder, name)
        if os.path.isdir(directory):
            for file in sorted(os.listdir(directory)):
                if file.lower().endswith(EXTENSIONS) and not file.startswith("."):
                    files.append(os.path.join(directory, file))
                    labels.append(label)
    return files, np.array(labels, dtype=np.int64)


def stratified(files, labels, fractions):
    """Splits each class by the fractions, after a seeded shuffle."""
    parts = [([], []) for _ in fractions]
    for label in np.unique(labels):
        index = rng.permutation(np.flatnonzero(labels == label))
        bounds = np.round(np.cumsum([0] + list(fractions)) * len(index)).astype(int)
        for part, (low, high) in zip(parts, zip(bounds[:-1], bounds[1:])):
            part[0].extend(files[i] for i in index[low:high])
            part[1].extend([label] * (high - low))
    return [(f, np.array(l, dtype=np.int64)) for f, l in parts]


def splits(root):
    validation = next((os.path.join(root, n) for n in ("validation", "val") if os.path.isdir(os.path.join(root, n))), None)
    train = os.path.join(root, "train")
    if os.path.isdir(train) and validation:
        classes = sorted(n for n in os.listdir(train) if os.path.isdir(os.path.join(train, n)))
        train_split = listing(train, classes)
        validation_split = listing(validation, classes)
        if os.path.isdir(os.path.join(root, "test")):
            return classes, train_split, validation_split, listing(os.path.join(root, "test"), classes)
        keep, test = stratified(*validation_split, [1 - args.test_from_validation, args.test_from_validation])
        return classes, train_split, keep, test
    classes = sorted(n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)))
    return (classes, *stratified(*listing(root, classes), [0.8, 0.1, 0.1]))


classes, train, validation, test = splits(args.data)
log(f"stage 5 peer: {len(train[0])} train, {len(validation[0])} validation, {len(test[0])} test images, {len(classes)} classes")

# ---------------------------------------------------------------- decode, resize, normalise

size = (args.size, args.size)
mean = torch.tensor([float(v) for v in args.mean.split(",")]).view(1, 3, 1, 1)
std = torch.tensor([float(v) for v in args.std.split(",")]).view(1, 3, 1, 1)


def decode(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").resize(size, Image.BILINEAR), dtype=np.uint8)


with ThreadPoolExecutor(args.threads) as pool:
    train_images, validation_images, test_images = (np.stack(list(pool.map(decode, split[0])))
                                                    for split in (train, validation, test))


def normalise(pixels):
    """uint8 NHWC RGB -> float32 NCHW in the preset's order and units."""
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float()
    if args.order == "BGR":
        x = x.flip(1)
    return (x - mean) / std


# ---------------------------------------------------------------- frozen features

base = torch.jit.load(args.model, map_location="cpu").eval()


def features(images):
    out = []
    with torch.no_grad():
        for first in range(0, len(images), args.batch_size):
            out.append(base(normalise(images[first:first + args.batch_size])).mean(dim=(2, 3)))
    return torch.cat(out)


train_x, validation_x = features(train_images), features(validation_images)
train_y, validation_y, test_y = (torch.from_numpy(split[1]) for split in (train, validation, test))

# ---------------------------------------------------------------- head

feature_mean = train_x.mean(0)
feature_scale = 1 / train_x.std(0, unbiased=False).clamp_min(1e-6)


class Standardize(nn.Module):
    def forward(self, x):
        return (x - feature_mean) * feature_scale


head = nn.Sequential(Standardize(), nn.Dropout(0.2), nn.Linear(train_x.shape[1], len(classes)))
loss_fn = nn.CrossEntropyLoss()


history = []
optimizer = torch.optim.Adam(head.parameters(), lr=1e-3)
best = (math.inf, None)
for epoch in range(1, args.head_epochs + 1):
    head.train()
    order = torch.randperm(len(train_y))
    for first in range(0, len(order), args.batch_size):
        index = order[first:first + args.batch_size]
        optimizer.zero_grad()
        loss_fn(head(train_x[index]), train_y[index]).backward()
        optimizer.step()
    head.eval()
    val_loss, val_accuracy = validate(head, validation_x, validation_y, loss_fn, args.batch_size)
    history.append({"epoch": epoch, "phase": "head", "val_loss": val_loss, "val_accuracy": val_accuracy})
    if val_loss < best[0]:
        best = (val_loss, copy.deepcopy(head.state_dict()))
head.load_state_dict(best[1])
head.eval()


def full_model(images):
    return head(base(normalise(images)).mean(dim=(2, 3)))


def evaluate(name):
    base.eval()
    head.eval()
    loss, accuracy = validate(full_model, test_images, test_y, loss_fn, args.batch_size)
    metrics = {"phase": name, "accuracy": accuracy, "loss": loss, "count": len(test_y)}
    with open(os.path.join(args.out, f"{name}-metrics.json"), "w") as out:
        json.dump(metrics, out)
    torch.jit.save(base, os.path.join(args.out, f"{name}-base.pt"))
    torch.save(head.state_dict(), os.path.join(args.out, f"{name}-head.pt"))
    return accuracy


head_accuracy = evaluate("head")

# ---------------------------------------------------------------- fine-tune

trainable = unfreeze_top(base, args.unfreeze)


def tuned(inputs):
    return head(base(inputs).mean(dim=(2, 3)))


fine_tune_params = trainable + list(head[2].parameters())
optimizer = torch.optim.RMSprop(fine_tune_params, lr=3e-4, alpha=0.9, eps=1e-7)
# FineTune's Cosine Decay: from the rate to a hundredth of it over all the phase's updates
updates = args.fine_tune_epochs * ((len(train_y) + args.batch_size - 1) // args.batch_size)
schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, updates), eta_min=3e-6)


def validate_images(images, labels):
    base.eval()
    head.eval()
    return validate(full_model, images, labels, loss_fn, args.batch_size)


best_loss, _ = validate_images(validation_images, validation_y)
best_state = (copy.deepcopy(base.state_dict()), copy.deepcopy(head.state_dict()))
for epoch in range(args.head_epochs + 1, args.head_epochs + args.fine_tune_epochs + 1):
    base.train()
    head.train()
    order = torch.randperm(len(train_y))
    for first in range(0, len(order), args.batch_size):
        index = order[first:first + args.batch_size].numpy()
        optimizer.zero_grad()
        loss_fn(tuned(augment(normalise(train_images[index]))), train_y[index]).backward()
        optimizer.step()
        schedule.step()
    val_loss, val_accuracy = validate_images(validation_images, validation_y)
    history.append({"epoch": epoch, "phase": "fine-tune", "val_loss": val_loss, "val_accuracy": val_accuracy})
    if val_loss < best_loss:
        best_loss = val_loss
        best_state = (copy.deepcopy(base.state_dict()), copy.deepcopy(head.state_dict()))
base.load_state_dict(best_state[0])
head.load_state_dict(best_state[1])
fine_tuned_accuracy = evaluate("fine-tune")
with open(os.path.join(args.out, "history.json"), "w") as out:
    json.dump(history, out)
elapsed = time.perf_counter() - start
emit(seconds=elapsed, head_accuracy=head_accuracy, fine_tune_accuracy=fine_tuned_accuracy, test_images=len(test_y),
     train=len(train_y), validation=len(validation_y), trainable_parameters=sum(p.numel() for p in trainable))
