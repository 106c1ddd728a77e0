#!/usr/bin/python3
"""
PyTorch twin of the VPTSurv Cpu-preset model, for side-by-side speed runs and the parity fixture.

    /usr/bin/python3 bench/pytorch_twin/twin.py '<config JSON or path to a .json file>'

Needs Debian's PyTorch: `apt-get install python3-torch libopenblas0-pthread` (the pyenv `python3` has no torch).
The config holds the model (tile, patch, width, depth, heads, window, global_blocks, prompt_sources, r, adaptor_heads,
decoder {width, layers, heads, bins}) and a "mode":

  step      one training step per repeat (AdamW on the trainable parts, discrete-time NLL, one bag of n tiles with
            context, with or without gradient caching): median step seconds, the forward / backward / optimizer split
  profile   one plain training step cut into stages (patch embedding, tile prompt, structure (FFT) prompt, scale prompt,
            adaptors, windowed blocks, global blocks, pool + decoder, loss, backward, optimizer), median per stage
  features  two-stage feature extraction: frozen encoder without prompts, mean-pooled, no_grad, in micro-batches
  parity    loads the library's exported weights and writes the forward outputs (tokens, pooled, logits, loss,
            gradients) for deterministic tiles; see tests/VPTSurv.Tests/Fixtures/twin/README.md

Every result is printed as one JSON object with the torch version, thread count, peak RSS (VmHWM) and the load average.
"""
import json
import os
import resource
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model as twin  # noqa: E402
import safetensors_io  # noqa: E402

CPU_PRESET = {
    "tile": 64, "patch": 8, "width": 96, "depth": 4, "heads": 3, "window": 4, "global_blocks": [1, 3],
    "prompt_sources": ["structure", "scale"], "r": 12, "adaptor_heads": 2, "tau": 0.25,
    "decoder": {"width": 96, "layers": 2, "heads": 4, "bins": 4},
    "lr": 2e-4, "weight_decay": 1e-2,
}


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def load_average():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def deterministic_tiles(n, tile, offset=0):
    """(n, 3, T, T) uint8 from an LCG of the flat index (the C# parity test computes the same values)."""
    i = torch.arange(offset, offset + n * 3 * tile * tile, dtype=torch.int64)
    return ((i * 1103515245 + 12345) // 65536 % 256).to(torch.uint8).view(n, 3, tile, tile)


def random_tiles(n, tile, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, tile, tile), dtype=torch.uint8, generator=g)


def build(cfg, seed=0):
    torch.manual_seed(seed)
    m = twin.VPTSurvModel(cfg)
    m.train()
    m.encoder.vit.eval()
    return m


def train_step(m, opt, tiles, context, caching, micro_batch):
    """One optimizer step on one bag (bin 1, event observed); returns (loss, {part: seconds})."""
    bin_t, ev_t = torch.tensor([1]), torch.tensor([1.0])
    t = {}
    s = time.perf_counter()
    opt.zero_grad(set_to_none=False)
    if not caching:
        logits = m(tiles, context).unsqueeze(0)
        loss = twin.discrete_time_nll(logits, bin_t, ev_t)
        t["forward"] = time.perf_counter() - s
        s = time.perf_counter()
        loss.backward()
        t["backward"] = time.perf_counter() - s
    else:
        n = tiles.shape[0]
        with torch.no_grad():
            pooled = torch.cat([m.encode_tiles(tiles[a:a + micro_batch], context[a:a + micro_batch])
                                for a in range(0, n, micro_batch)], 0)
        leaf = pooled.detach().requires_grad_(True)
        loss = twin.discrete_time_nll(m.decode(leaf).unsqueeze(0), bin_t, ev_t)
        t["forward"] = time.perf_counter() - s
        s = time.perf_counter()
        loss.backward()
        for a in range(0, n, micro_batch):
            tokens = m.encode_tiles(tiles[a:a + micro_batch], context[a:a + micro_batch])
            (tokens * leaf.grad[a:a + micro_batch]).sum().backward()
        t["backward"] = time.perf_counter() - s
    s = time.perf_counter()
    opt.step()
    t["optimizer"] = time.perf_counter() - s
    t["step"] = t["forward"] + t["backward"] + t["optimizer"]
    return float(loss), t


def run_step(cfg):
    n, repeats = cfg.get("n", 200), cfg.get("repeats", 2)
    m = build(cfg)
    opt = twin.adamw(m, cfg["lr"], cfg["weight_decay"])
    tiles, context = random_tiles(n, cfg["tile"], 1), random_tiles(n, cfg["tile"], 2)
    rss_inputs = status("VmRSS")
    first = time.perf_counter()
    loss, _ = train_step(m, opt, tiles, context, cfg.get("caching", False), cfg.get("micro_batch", 50))
    first = time.perf_counter() - first
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    parts = [train_step(m, opt, tiles, context, cfg.get("caching", False), cfg.get("micro_batch", 50))[1] for _ in range(repeats)]
    med = {k: round(statistics.median(p[k] for p in parts), 4) for k in parts[0]}
    return {"n": n, "caching": cfg.get("caching", False), "step_seconds": med["step"], "first_step_seconds": round(first, 3),
            "forward_seconds": med["forward"], "backward_seconds": med["backward"], "optimizer_seconds": med["optimizer"],
            "all_step_seconds": [round(p["step"], 4) for p in parts], "peak_rss_mb": round(status("VmHWM"), 1),
            "rss_with_inputs_mb": round(rss_inputs, 1), "loss": round(loss, 5),
            "minor_faults_per_step": round((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / repeats)}


def profiled_step(m, opt, tiles, context):
    """A plain step (same operations as train_step without caching) timed stage by stage."""
    enc, vit = m.encoder, m.encoder.vit
    t = {}

    def lap(name, start):
        t[name] = t.get(name, 0.0) + time.perf_counter() - start
        return time.perf_counter()

    opt.zero_grad(set_to_none=False)
    s = time.perf_counter()
    x = enc.normalize(tiles)
    t0 = vit.embed_patches(x)
    state = vit.start(t0)
    s = lap("patch_embedding", s)
    e = enc.tile(t0)
    s = lap("tile_prompt", s)
    parts = [e]
    if enc.structure is not None:
        parts.append(enc.structure(x))
        s = lap("structure_prompt", s)
    if enc.scale is not None:
        parts.append(enc.scale(enc.normalize(context)))
        s = lap("scale_prompt", s)
    everything = torch.cat(parts, 1)
    for i, block in enumerate(vit.blocks):
        prompt = enc.up(enc.adaptors[i](e, everything))
        s = lap("adaptors", s)
        state = vit.run_block(i, state, prompt)
        s = lap("windowed_blocks" if block.window > 0 else "global_blocks", s)
    logits = m.decode(vit.finish(state).mean(1)).unsqueeze(0)
    s = lap("pool_decoder", s)
    loss = twin.discrete_time_nll(logits, torch.tensor([1]), torch.tensor([1.0]))
    s = lap("loss", s)
    loss.backward()
    s = lap("backward", s)
    opt.step()
    lap("optimizer", s)
    return t


def run_profile(cfg):
    n, repeats = cfg.get("n", 200), cfg.get("repeats", 3)
    m = build(cfg)
    opt = twin.adamw(m, cfg["lr"], cfg["weight_decay"])
    tiles, context = random_tiles(n, cfg["tile"], 1), random_tiles(n, cfg["tile"], 2)
    profiled_step(m, opt, tiles, context)
    runs = [profiled_step(m, opt, tiles, context) for _ in range(repeats)]
    stages = {k: round(statistics.median(r[k] for r in runs), 4) for k in runs[0]}
    return {"n": n, "stages_seconds": stages, "total_seconds": round(sum(stages.values()), 4),
            "peak_rss_mb": round(status("VmHWM"), 1)}


def run_features(cfg):
    n, chunk, repeats = cfg.get("n", 800), cfg.get("micro_batch", 64), cfg.get("repeats", 2)
    m = build(cfg)
    m.eval()
    tiles = random_tiles(n, cfg["tile"], 1)

    def once():
        s = time.perf_counter()
        torch.cat([m.frozen_features(tiles[a:a + chunk]) for a in range(0, n, chunk)], 0)
        return time.perf_counter() - s

    once()
    secs = statistics.median(once() for _ in range(repeats))
    return {"n": n, "micro_batch": chunk, "seconds": round(secs, 4), "tiles_per_second": round(n / secs, 1),
            "peak_rss_mb": round(status("VmHWM"), 1)}


def run_parity(cfg):
    """Loads the library's weights, runs the model on deterministic tiles and writes what it computes."""
    m = build(cfg)
    state = safetensors_io.read(cfg["encoder_weights"])
    state = {"encoder.vit." + k: v for k, v in state.items()}
    state.update(safetensors_io.read(cfg["weights"]))
    missing, unexpected = m.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("encoder.pixel_")]
    if missing or unexpected:
        raise SystemExit(f"parity: weights do not fit the twin: missing {missing}, unexpected {unexpected}")
    n, tile = cfg.get("n", 4), cfg["tile"]
    tiles = deterministic_tiles(n, tile)
    context = deterministic_tiles(n, tile, offset=n * 3 * tile * tile)
    tokens = m.encoder(tiles, context)
    pooled = tokens.mean(1)
    logits = m.decode(pooled)
    loss = twin.discrete_time_nll(logits.unsqueeze(0), torch.tensor([1]), torch.tensor([1.0]))
    loss.backward()
    with torch.no_grad():
        frozen = m.frozen_features(tiles)
    out = {"tokens": tokens, "pooled": pooled, "logits": logits, "loss": loss.reshape(1), "frozen_pooled": frozen}
    named = dict(m.named_parameters())
    for key in cfg["gradients"]:
        out["grad." + key] = named[key].grad
    safetensors_io.write(cfg["out"], out, {"torch": torch.__version__, "n": n})
    return {"wrote": cfg["out"], "logits": [round(v, 6) for v in logits.tolist()], "loss": round(float(loss), 6)}


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    arg = sys.argv[1]
    cfg = dict(CPU_PRESET)
    cfg.update(json.load(open(arg)) if os.path.isfile(arg) else json.loads(arg))
    threads = int(cfg.get("threads", 1))
    torch.set_num_threads(threads)
    load_before = load_average()
    mode = cfg.get("mode", "step")
    runs = {"step": run_step, "profile": run_profile, "features": run_features, "parity": run_parity}
    if mode not in runs:
        raise SystemExit(f"unknown mode '{mode}'; expected one of {', '.join(runs)}")
    result = runs[mode](cfg)
    result.update({"side": "pytorch", "mode": mode, "torch": torch.__version__, "threads": torch.get_num_threads(),
                   "load_average_before": load_before, "load_average_after": load_average()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
