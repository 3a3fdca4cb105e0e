#!/usr/bin/env python3
"""The seed study of docs/kv-economics.md: for contexts of 1K to 10K tokens, runs
reuse-stored-kv.json and recompute.json with kvsim and prints the delay and cost savings of
reusing the stored KV as a Markdown table.

usage: scenarios/economics/sweep.py [--kvsim build/release/bin/kvsim] [--out out/economics]
                                    [--set /json/pointer=value ...]   (applied to both scenarios)
"""
import argparse
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(kvsim, scenario, out, overrides):
    cmd = [kvsim, "run", os.path.join(HERE, scenario), "--out", out, "--quiet"]
    for o in overrides:
        cmd += ["--set", o]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "requests.csv")) as f:
        rows = list(csv.DictReader(f))
    return summary, rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kvsim", default="build/release/bin/kvsim")
    p.add_argument("--out", default="out/economics")
    p.add_argument("--set", action="append", default=[], dest="overrides")
    a = p.parse_args()
    print("| context tokens | KV GB | TTFT recompute (s) | TTFT reuse (s) | delay saving | "
          "$ recompute (GPU) | $ reuse (GPU + storage + transfer) | cost saving | loaded |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for tokens in range(1000, 10001, 1000):
        sets = a.overrides + [f"/workload/synthetic/system_prompt/tokens={tokens}"]
        base, base_rows = run(a.kvsim, "recompute.json", os.path.join(a.out, f"recompute-{tokens}"), sets)
        reuse, reuse_rows = run(a.kvsim, "reuse-stored-kv.json", os.path.join(a.out, f"reuse-{tokens}"), sets)
        # The first request computes the context in both runs; the five reuses are compared.
        ttft = lambda rows: sum(float(r["ttft_s"]) for r in rows[1:]) / len(rows[1:])
        t_base, t_reuse = ttft(base_rows), ttft(reuse_rows)
        c_base = base["cost"]["reuse"]["usd_gpu_busy"]
        r = reuse["cost"]["reuse"]
        c_reuse = r["usd_gpu_busy"] + r["usd_storage"] + r["usd_transfer"]
        tiers = reuse.get("kv_tiers", {})
        kv_gb = tiers.get("tiers", [{}])[0].get("gb_written", 0.0)
        loaded = "yes" if tiers.get("loads", 0) > 0 else "no (recompute was faster)"
        print(f"| {tokens} | {kv_gb:.2f} | {t_base:.3f} | {t_reuse:.3f} | {t_base / t_reuse:.2f}x | "
              f"{c_base:.5f} | {c_reuse:.5f} | {c_base / c_reuse:.2f}x | {loaded} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
