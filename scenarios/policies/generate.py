#!/usr/bin/env python3
"""Writes the scenarios of the KV cache policy study (docs/kv-policies.md) into this folder:
one file per row of its tables, named TRACE-POLICY-TIERS.json. Run it again after changing a
base below; the files are committed so that every row can be rerun on its own.

usage: scenarios/policies/generate.py
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TRACES = "../../../shared/data/traces/"  # from scenarios/policies/ to /work/shared/data/traces

POLICIES = ["lru", "fifo", "lfu", "slru", "arc", "s3fifo", "gdsf"]

# Tiers below HBM, per replica unless shared. Capacities are those of an 8 x H100 node shared by
# its 8 GPUs: 2 TiB of host DRAM (256 GiB a GPU) and 8 local NVMe drives of 3.84 TB (3.5 TiB a
# GPU); the pool is a cluster-wide DRAM store over RDMA (Mooncake Store), the object store S3.
CPU = {"name": "cpu", "kind": "cpu", "capacity_gib": 256}
NVME = {"name": "nvme", "kind": "nvme", "capacity_gib": 3500}
POOL = {"name": "pool", "kind": "remote", "capacity_gib": 4096, "shared": True}
S3 = {"name": "s3", "kind": "object_store", "capacity_gib": "inf", "shared": True, "ttl_s": 3600}
TIER_SETS = {
    "gpu": [],
    "cpu": [CPU],
    "cpu-nvme": [CPU, NVME],
    "cpu-pool": [CPU, POOL],
    "cpu-s3": [CPU, S3],
}


def mooncake(name, trace, description):
    return {
        "name": name,
        "description": description,
        "seed": 1,
        "model": "Qwen2.5-7B",
        "gpu": "H100-SXM",
        "cluster": {"replicas": 4, "router": "least_outstanding"},
        "engine": {"max_model_len": 32768, "max_num_seqs": 256, "max_num_batched_tokens": 8192},
        "kv_cache": {"enable_prefix_caching": True, "eviction_policy": "lru"},
        "workload": {"trace": {"format": "mooncake", "path": TRACES + trace}},
        "slo": {"ttft_s": 5.0, "tpot_s": 0.1},
        "metrics": {"timeseries_interval_s": 10.0},
    }


def azure(name, trace, description):
    return {
        "name": name,
        "description": description,
        "seed": 1,
        "model": "Llama-3-8B",
        "gpu": "L40S",
        "cluster": {"replicas": 1},
        "engine": {"max_num_seqs": 256, "max_num_batched_tokens": 8192},
        "kv_cache": {"enable_prefix_caching": True, "eviction_policy": "lru"},
        "workload": {"trace": {"format": "azure", "path": TRACES + trace}},
        "slo": {"ttft_s": 2.0, "tpot_s": 0.1},
        "metrics": {"timeseries_interval_s": 10.0},
    }


BASES = {
    "mooncake-conv": mooncake(
        "mooncake-conv", "mooncake_conversation.jsonl",
        "Mooncake conversation trace (FAST'25, one hour, 12,031 requests, 512-token prefix ids) on 4 "
        "Qwen2.5-7B replicas on H100"),
    "mooncake-synth": mooncake(
        "mooncake-synth", "mooncake_synthetic.jsonl",
        "Mooncake synthetic trace (FAST'25, 17 minutes, 3,993 long-context requests, 512-token prefix ids) "
        "on 4 Qwen2.5-7B replicas on H100"),
    "azure-conv": azure(
        "azure-conv", "azure_llm_2023_conv.csv",
        "Azure LLM conversation trace (2023-11-16, one hour, 19,366 requests; lengths only, no content "
        "ids) on one Llama-3-8B replica on an L40S, near its capacity"),
    "azure-code": azure(
        "azure-code", "azure_llm_2023_code.csv",
        "Azure LLM code trace (2023-11-16, one hour, 8,819 requests; lengths only, no content ids) "
        "on one Llama-3-8B replica on an L40S"),
}


def variant(base_key, policy, tiers, extra=None, suffix=None):
    s = copy.deepcopy(BASES[base_key])
    s["kv_cache"]["eviction_policy"] = policy
    if TIER_SETS[tiers]:
        s["kv_cache"]["tiers"] = copy.deepcopy(TIER_SETS[tiers])
    label = f"{base_key}-{policy}-{tiers}" + (f"-{suffix}" if suffix else "")
    tier_text = "GPU HBM only" if not TIER_SETS[tiers] else "GPU HBM + " + " + ".join(
        t["name"] + (" (shared)" if t.get("shared") else "") for t in TIER_SETS[tiers])
    s["name"] = label
    s["description"] = (s["description"] + f"; eviction policy {policy}; {tier_text}"
                        + (f"; {suffix}" if suffix else "")
                        + ". Reads the trace from ../shared/data/traces/ next to the repository. docs/kv-policies.md.")
    for pointer, value in (extra or {}).items():
        node = s
        keys = pointer.strip("/").split("/")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return label, s


def rows():
    out = []
    for trace in ("mooncake-conv", "mooncake-synth"):
        for tiers in ("gpu", "cpu", "cpu-nvme", "cpu-pool"):
            for policy in POLICIES:
                out.append(variant(trace, policy, tiers))
        out.append(variant(trace, "lru", "cpu-s3"))
        out.append(variant(trace, "lru", "gpu", {"/kv_cache/prefix_index": "radix"}, "radix"))
        out.append(variant(trace, "lfu", "gpu", {"/kv_cache/prefix_index": "radix"}, "radix"))
        out.append(variant(trace, "lru", "gpu", {"/deployment/kv_dtype": "fp8"}, "fp8"))
    for trace in ("azure-conv", "azure-code"):
        out.append(variant(trace, "lru", "gpu"))
        out.append(variant(trace, "s3fifo", "gpu"))
        out.append(variant(trace, "lru", "cpu"))
        out.append(variant(trace, "lru", "gpu", {"/deployment/kv_dtype": "fp8"}, "fp8"))
        out.append(variant(trace, "lru", "gpu", {"/engine/preemption_mode": "swap"}, "swap"))
        out.append(variant(trace, "lru", "gpu", {"/kv_cache/enable_prefix_caching": False,
                                                 "/kv_cache/token_budget": {"mode": "window", "sink_tokens": 4,
                                                                            "window_tokens": 1020}}, "window1k"))
    return out


def main():
    for name in os.listdir(HERE):
        if name.endswith(".json"):
            os.remove(os.path.join(HERE, name))
    for label, s in rows():
        with open(os.path.join(HERE, label + ".json"), "w") as f:
            json.dump(s, f, indent=2)
            f.write("\n")
    print(f"wrote {len(rows())} scenarios to {HERE}")


if __name__ == "__main__":
    main()
