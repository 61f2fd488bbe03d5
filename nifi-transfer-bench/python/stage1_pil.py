#!/usr/bin/python3
"""Stage 1 peer: decode + resize + normalise with PIL + NumPy, on a thread pool, to NCHW float32."""
import argparse
import io
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from benchcommon import emit

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--list", required=True, help="file with one image path a line")
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--order", default="RGB", choices=["RGB", "BGR"])
parser.add_argument("--mean", default="0,0,0", help="0..255 units, output channel order")
parser.add_argument("--std", default="1,1,1", help="0..255 units, output channel order")
parser.add_argument("--warm-up-seconds", type=float, default=5,
                    help="passes over the files (in order, repeated) for at least this long before timing")
parser.add_argument("--seconds", type=float, default=8, help="timed passes over the files, repeated for at least this long")
parser.add_argument("--profile", action="store_true",
                    help="instead: one thread, CPU time of each step per image (decode, convert, resize, normalise)")
args = parser.parse_args()

files = [line for line in open(args.list).read().splitlines() if line]
mean = np.array([float(v) for v in args.mean.split(",")], dtype=np.float32)
std = np.array([float(v) for v in args.std.split(",")], dtype=np.float32)
size = (args.size, args.size)


def load(path):
    with Image.open(path) as image:
        image = image.convert("RGB").resize(size, Image.BILINEAR)
        pixels = np.asarray(image, dtype=np.float32)
    if args.order == "BGR":
        pixels = pixels[..., ::-1]
    return np.ascontiguousarray(((pixels - mean) / std).transpose(2, 0, 1))


def profile():
    """Thread CPU time per image of each step of load(), on this thread, files read into memory first."""
    blobs = [open(path, "rb").read() for path in files]
    totals = {"decode": 0.0, "convert": 0.0, "resize": 0.0, "normalise": 0.0}
    for blob in blobs:
        start = time.thread_time()
        image = Image.open(io.BytesIO(blob))
        image.load()
        decoded = time.thread_time()
        image = image.convert("RGB")
        converted = time.thread_time()
        image = image.resize(size, Image.BILINEAR)
        resized = time.thread_time()
        pixels = np.asarray(image, dtype=np.float32)
        if args.order == "BGR":
            pixels = pixels[..., ::-1]
        np.ascontiguousarray(((pixels - mean) / std).transpose(2, 0, 1))
        normalised = time.thread_time()
        totals["decode"] += decoded - start
        totals["convert"] += converted - decoded
        totals["resize"] += resized - converted
        totals["normalise"] += normalised - resized
    emit(images=len(blobs), **{step + "_us": seconds / len(blobs) * 1e6 for step, seconds in totals.items()})


if args.profile:
    profile()
    raise SystemExit(0)

with ThreadPoolExecutor(args.threads) as pool:
    # the Java side's protocol: whole passes over the files until the warm-up time is spent, then whole passes, timed,
    # until the timed seconds are spent
    # (the first pass is also reported alone: the cold row)
    first_start = time.perf_counter()
    warm_up_end = first_start + args.warm_up_seconds
    list(pool.map(load, files))
    first_pass = time.perf_counter() - first_start
    while time.perf_counter() < warm_up_end:
        list(pool.map(load, files))
    images = 0
    start = time.perf_counter()
    while True:
        for _ in pool.map(load, files):
            pass
        images += len(files)
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
emit(images_per_s=images / elapsed, images=images, seconds=elapsed, threads=args.threads,
     first_pass_images_per_s=len(files) / first_pass)
