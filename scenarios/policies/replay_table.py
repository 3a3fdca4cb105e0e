#!/usr/bin/env python3
"""Runs `kvsim cache-replay` for every eviction policy at several GPU capacities on one trace
and prints the block hit rates as a Markdown table (docs/kv-policies.md, "Cache replay").

usage: scenarios/policies/replay_table.py [--kvsim build/release/bin/kvsim] --trace FILE
           [--capacities 1000000,4000000,16000000,inf] [--tiers SPEC] [--prefix-index hash]
"""
import argparse
import json
import subprocess
import sys

POLICIES = ["lru", "fifo", "lfu", "slru", "arc", "s3fifo", "gdsf"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kvsim", default="build/release/bin/kvsim")
    p.add_argument("--trace", required=True)
    p.add_argument("--capacities", default="1000000,4000000,16000000,inf")
    p.add_argument("--tiers", default="")
    p.add_argument("--prefix-index", default="hash")
    a = p.parse_args()
    caps = a.capacities.split(",")
    print("| policy | " + " | ".join(f"{c} tokens" for c in caps) + " | Mlookups/s (CPU) |")
    print("|---|" + "---:|" * len(caps) + "---:|")
    for policy in POLICIES:
        cells, rates = [], []
        for cap in caps:
            cmd = [a.kvsim, "cache-replay", "--trace", a.trace, "--policy", policy, "--capacity-tokens", cap,
                   "--prefix-index", a.prefix_index]
            if a.tiers:
                cmd += ["--tiers", a.tiers]
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            cells.append(f"{out['block_hit_rate']:.4f}")
            rates.append(out["lookups_per_cpu_second"] / 1e6)
        print(f"| {policy} | " + " | ".join(cells) + f" | {min(rates):.1f}-{max(rates):.1f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
