#!/usr/bin/env python3
"""Writes examples/flowers: a seeded, stratified subset of the flowers photos in ../shared/data, for ./run.sh's default run.

train/ and validation/ come from the shared train split (20% and 5% of each class, disjoint), test/ from the shared val
split (25% of each class), so every class keeps its share of the whole and no photo is in two splits. The same seed and
source give the same files. Run from the repository root:  /usr/bin/python3 examples/make_flowers_subset.py
"""
import os
import random
import shutil
import sys

SOURCE = os.path.join("..", "shared", "data", "datasets", "flowers")
TARGET = os.path.join("examples", "flowers")
SEED = 42
# (target split, source split, offset, share): offset and share are fractions of the shuffled source class
PLAN = [("train", "train", 0.0, 0.20), ("validation", "train", 0.20, 0.05), ("test", "val", 0.0, 0.25)]


def main():
    if not os.path.isdir(SOURCE):
        sys.exit("no %s beside the checkout: the flowers photos are needed to make the subset" % SOURCE)
    if os.path.exists(TARGET):
        shutil.rmtree(TARGET)
    total = 0
    for split, source_split, offset, share in PLAN:
        for label in sorted(os.listdir(os.path.join(SOURCE, source_split))):
            files = sorted(os.listdir(os.path.join(SOURCE, source_split, label)))
            random.Random("%d/%s/%s" % (SEED, source_split, label)).shuffle(files)
            start = int(round(len(files) * offset))
            chosen = files[start:start + int(round(len(files) * share))]
            os.makedirs(os.path.join(TARGET, split, label))
            for name in sorted(chosen):
                shutil.copyfile(os.path.join(SOURCE, source_split, label, name), os.path.join(TARGET, split, label, name))
            print("%-10s %-10s %4d of %4d" % (split, label, len(chosen), len(files)))
            total += len(chosen)
    print("%d photos in %s" % (total, TARGET))


if __name__ == "__main__":
    main()
