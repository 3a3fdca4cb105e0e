#!/usr/bin/env python3
"""Runs scenarios of the KV cache policy study with kvsim and prints one Markdown table row per
scenario: block hit rate on the GPU and with every tier, TTFT P50/P99, $ per million tokens (the
provisioned GPUs for the whole run, plus tier storage and transfers), the same with only the GPU
time spent computing billed, and the wall time of the run.

usage: scenarios/policies/table.py [--kvsim build/release/bin/kvsim] [--out out/policies]
                                   [--reuse] SCENARIO.json...
  --reuse   read out/policies/NAME/summary.json when present instead of running again
"""
import argparse
import json
import os
import subprocess
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kvsim", default="build/release/bin/kvsim")
    p.add_argument("--out", default="out/policies")
    p.add_argument("--reuse", action="store_true")
    p.add_argument("scenarios", nargs="+")
    a = p.parse_args()
    print("| scenario | policy | tiers | GPU block hit rate | all-tier block hit rate | TTFT P50 (s) | "
          "TTFT P99 (s) | $ / M tokens | $ / M tokens (busy GPU) | storage $ | completed | dropped | run (s) |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in a.scenarios:
        name = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(a.out, name)
        summary_path = os.path.join(out, "summary.json")
        wall = float("nan")
        if not (a.reuse and os.path.exists(summary_path)):
            start = time.time()
            r = subprocess.run([a.kvsim, "run", path, "--out", out, "--quiet"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            wall = time.time() - start
            if r.returncode != 0:
                print(f"| {name} | failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode} |")
                continue
        with open(summary_path) as f:
            s = json.load(f)
        kv = s["scenario"].get("kv_cache", {})
        tiers = kv.get("tiers", [])
        tier_text = "gpu" + "".join("+" + t.get("name", t.get("kind", "?")) for t in tiers)
        extras = []
        if kv.get("prefix_index") == "radix":
            extras.append("radix")
        if s["scenario"].get("deployment", {}).get("kv_dtype") == "fp8":
            extras.append("fp8 KV")
        if s["scenario"].get("engine", {}).get("preemption_mode") == "swap":
            extras.append("swap")
        if kv.get("token_budget"):
            extras.append("window " + str(kv["token_budget"].get("window_tokens", "")))
        if extras:
            tier_text += " (" + ", ".join(extras) + ")"
        gpu_rate = s["prefix_cache"]["block_hit_rate"]
        cost = s["cost"]
        tokens = s["throughput"]["tokens_per_s"] * s["simulated_seconds"]
        busy = (cost["reuse"]["usd_gpu_busy"] + cost["usd_storage"] + cost["usd_transfer"]) / tokens * 1e6 if tokens else 0.0
        all_rate = s.get("kv_tiers", {}).get("block_hit_rate_reused", gpu_rate)
        print(f"| {name} | {kv.get('eviction_policy', 'lru')} | {tier_text} | {gpu_rate:.4f} | {all_rate:.4f} | "
              f"{s['ttft_s']['p50']:.3f} | {s['ttft_s']['p99']:.3f} | {cost['usd_per_million_tokens']:.4f} | {busy:.4f} | "
              f"{s['cost']['usd_storage']:.4f} | {s['requests']['completed']} | {s['requests']['dropped']} | "
              f"{wall:.1f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
