#!/usr/bin/python3
"""Markdown tables from bench/results/training-vs-pytorch.json (steps, per-stage profile, two-stage features).

    python3 bench/pytorch_twin/table.py bench/results/training-vs-pytorch.json > bench/results/training-vs-pytorch.md
"""
import json
import sys


def main(path):
    d = json.load(open(path))["training-vs-pytorch"]
    print(f"# training-vs-pytorch: VPTSurv (TorchSharp) vs the PyTorch twin\n")
    print(f"From `{path}` (one run; `{d['command']}`).  ")
    if "allocator" in d:
        print(f"C allocator: {d['allocator']}.  ")
    print(f"Load at start: `{d['uptime_start']['uptime']}`; at end: `{d['uptime_end']['uptime']}` (2 shared cores).\n")
    print("## Training step (one bag of N tiles with context, AdamW)\n")
    print(f"{d.get('rounds', 1)} rounds of fresh processes per point, sides alternating; step times are medians of the pooled "
          "steps (range in brackets), the ratio's interval is a bootstrap 95 % interval.\n")
    print("| threads | N | gradient caching | steps per side | ours s | twin s | twin/ours [95 % CI] | ours peak RSS MB | twin peak RSS MB |")
    print("|---:|---:|:---|---:|---:|---:|---:|---:|---:|")
    for s in d["steps"]:
        ci = s.get("twin_over_ours_ci95") or [None, None]
        o, t = s.get("ours_step_seconds_range"), s.get("twin_step_seconds_range")
        steps = s.get("rounds", 1) * s.get("repeats_per_process", 1)
        print(f"| {s['threads']} | {s['n']} | {'yes' if s['caching'] else 'no'} | {steps} | {s['ours_step_seconds']} ({o[0]}–{o[1]}) | "
              f"{s['twin_step_seconds']} ({t[0]}–{t[1]}) | {s['twin_over_ours']} [{ci[0]}, {ci[1]}] | {s['ours_peak_rss_mb']} | {s['twin_peak_rss_mb']} |")
    p = d["profile"]
    print(f"\n## Per-stage profile of the plain step (N = {p['n']}, {p['threads']} thread; median of {p['ours'].get('repeats', 5)})\n")
    print("| stage | ours s | twin s | twin/ours |")
    print("|:---|---:|---:|---:|")
    for r in p["table"]:
        print(f"| {r['stage']} | {r['ours_seconds']} | {r['twin_seconds']} | {r['twin_over_ours']} |")
    print(f"| total | {p['ours']['total_seconds']} | {p['twin']['total_seconds']} | "
          f"{round(p['twin']['total_seconds'] / p['ours']['total_seconds'], 2)} |")
    print("\n## Two-stage feature extraction (frozen encoder, no prompts, micro-batch 64)\n")
    print("| threads | N | ours tiles/s | twin tiles/s | ours/twin | ours/twin per round |")
    print("|---:|---:|---:|---:|---:|:---|")
    for f in d["features"]:
        per = ", ".join(str(x) for x in f.get("ours_over_twin_per_round", []))
        print(f"| {f['threads']} | {f['n']} | {f['ours_tiles_per_second']} | {f['twin_tiles_per_second']} | {f['ours_over_twin']} | {per} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/training-vs-pytorch.json")
