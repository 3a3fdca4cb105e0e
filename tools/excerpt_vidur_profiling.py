#!/usr/bin/env python3
"""Copies the excerpt of Vidur's profiling that the unit tests use into tests/data/profiling/.

Keeps the median columns and the shape columns of each *_mlp.csv, for a geometric ladder of token
counts at every tensor-parallel degree, and every 16th message size of the DGX collectives.
Standard library only. Usage (from the repository root):
    python3 tools/excerpt_vidur_profiling.py ../shared/data/profiling tests/data/profiling
"""
import csv
import os
import sys

TOKENS = {1, 2, 4, 8, 16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
          8192, 16384, 32768}
SHAPE = ["n_head", "n_kv_head", "n_embd", "n_expanded_embd", "vocab_size", "use_gated_mlp",
         "num_tokens", "num_tensor_parallel_workers"]


def excerpt_mlp(src, dst):
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
    header = [c for c in rows[0].keys() if c.endswith(".median")] + SHAPE
    seen = set()
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            key = (r["num_tokens"], r["num_tensor_parallel_workers"])
            if int(r["num_tokens"]) in TOKENS and key not in seen:
                seen.add(key)
                w.writerow([r[c] for c in header])


def excerpt_network(src, dst):
    with open(src, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    keep = [c for c in header if c == "" or c.endswith(".median") or c in (
        "num_workers", "size", "collective", "devices_per_node")]
    idx = [header.index(c) for c in keep]
    with open(dst, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(keep)
        for i, r in enumerate(rows):
            if i % 16 == 0:
                w.writerow([r[j] for j in idx])


def main(src, dst):
    for gpu in ("h100", "a100"):
        os.makedirs(os.path.join(dst, gpu), exist_ok=True)
        for name in sorted(os.listdir(os.path.join(src, gpu))):
            if name.endswith("_mlp.csv"):
                excerpt_mlp(os.path.join(src, gpu, name), os.path.join(dst, gpu, name))
    os.makedirs(os.path.join(dst, "network"), exist_ok=True)
    for name in ("h100_dgx_all_reduce.csv", "h100_dgx_send_recv.csv", "a100_dgx_all_reduce.csv",
                 "a100_dgx_send_recv.csv"):
        excerpt_network(os.path.join(src, "network", name), os.path.join(dst, "network", name))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
