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


def log(message):
    print(message, file=sys.stderr, flush=True)
