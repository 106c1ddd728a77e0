#!/usr/bin/env python3
"""Reference for timm-style absolute position tables resized to another grid (tests/VPTSurv.Tests/Encoders).

timm's resample_abs_pos_embed (timm/layers/pos_embed.py) splits off the prefix tokens, reshapes the rest to
(1, d, G, G), calls F.interpolate(mode='bicubic', antialias=True) -- antialiased whenever it resizes, growing and
shrinking -- and puts the prefix back. This script applies exactly those steps (timm itself is not installed here) to
a random (1, 1 + 8*8, 16) table with one class token, at a larger grid (11x11) and a smaller one (5x5), and writes the
input and both outputs as safetensors (writer below, from the format description).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 make_pos_embed_fixtures.py   (writes next to this file)
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(2024)


def resample_abs_pos_embed(posemb, new_size, num_prefix_tokens=1):
    """The steps of timm's resample_abs_pos_embed with its defaults (bicubic, antialias=True)."""
    hw = int((posemb.shape[1] - num_prefix_tokens) ** 0.5)
    prefix, grid = posemb[:, :num_prefix_tokens], posemb[:, num_prefix_tokens:]
    d = grid.shape[-1]
    grid = grid.float().reshape(1, hw, hw, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=new_size, mode='bicubic', antialias=True)
    grid = grid.permute(0, 2, 3, 1).reshape(1, -1, d)
    return torch.cat([prefix, grid], dim=1)


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        data = tensors[key].contiguous().float().numpy().tobytes()
        header[key] = {"dtype": "F32", "shape": list(tensors[key].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


table = torch.randn(1, 1 + 8 * 8, 16)
save_safetensors(os.path.join(HERE, "timm_pos_embed.safetensors"), {
    "table_8x8": table,
    "resized_11x11": resample_abs_pos_embed(table, [11, 11]),
    "resized_5x5": resample_abs_pos_embed(table, [5, 5]),
})
print("wrote timm_pos_embed.safetensors with torch", torch.__version__)
