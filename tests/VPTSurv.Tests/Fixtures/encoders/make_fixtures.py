#!/usr/bin/env python3
"""Reference fixtures for the C# encoders (tests/VPTSurv.Tests/Encoders).

An independent PyTorch implementation of (1) a reduced SAM image encoder (windowed + global attention with
decomposed relative position, absolute position table, neck) and (2) a reduced timm ViT (class + register tokens,
LayerScale, final norm), plus (3) a plain ViT saved in Hugging Face's key layout. Random weights with a fixed seed
are saved in the original projects' key layouts as .pth (torch.save of the state_dict) and as safetensors (written
here by hand from the format description, so the C# reader is checked against an independent writer), together
with fixed inputs (0..255 RGB) and the reference outputs.

The position tables are stored at a larger grid than some of the inputs use, like SAM's 64x64 table read at 224 px:
this reference resizes them the way the project documents (absolute tables: bicubic, antialiased when shrinking,
align_corners False; relative tables: linear, as SAM's get_rel_pos).

Run with Debian's python3-torch (1.13):  /usr/bin/python3 make_fixtures.py   (writes next to this file)
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1234)
torch.set_grad_enabled(False)

SAM_MEAN = [123.675, 116.28, 103.53]
SAM_STD = [58.395, 57.12, 57.375]
IMAGENET_MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
IMAGENET_STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]


def normalize(x, mean, std):
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def resize_grid(table, grid):
    """(1, G, G, d) -> (1, g, g, d), bicubic."""
    if table.shape[1] == grid:
        return table
    x = table.permute(0, 3, 1, 2)
    x = F.interpolate(x, size=(grid, grid), mode="bicubic", align_corners=False, antialias=table.shape[1] > grid)
    return x.permute(0, 2, 3, 1)


# ----------------------------------------------------------------------------------------------------------------
# SAM-style encoder
# ----------------------------------------------------------------------------------------------------------------
def rel_table(table, length):
    if table.shape[0] == length:
        return table
    x = F.interpolate(table.t().unsqueeze(0), size=length, mode="linear", align_corners=False)  # (1, c, length)
    return x[0].t()


def rel_embeddings(q, k, table):
    """(q, k, c) embeddings of every query/key offset along one axis."""
    table = rel_table(table, 2 * max(q, k) - 1)
    qc = torch.arange(q, dtype=torch.float64)[:, None] * max(k / q, 1.0)
    kc = torch.arange(k, dtype=torch.float64)[None, :] * max(q / k, 1.0)
    idx = (qc - kc + (k - 1) * max(q / k, 1.0)).long()
    return table[idx]


class SamAttn(nn.Module):
    def __init__(self, dim, heads, size):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        hd = dim // heads
        # random (not zero) so the relative position path is exercised
        self.rel_pos_h = nn.Parameter(torch.randn(2 * size - 1, hd) * 0.1)
        self.rel_pos_w = nn.Parameter(torch.randn(2 * size - 1, hd) * 0.1)

    def forward(self, x):
        b, h, w, c = x.shape
        hd = c // self.heads
        qkv = self.qkv(x).reshape(b, h * w, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, nh, HW, hd)
        logits = (q * hd ** -0.5) @ k.transpose(-2, -1)  # (B, nh, HW, HW)
        rh = rel_embeddings(h, h, self.rel_pos_h)  # (h, h, hd)
        rw = rel_embeddings(w, w, self.rel_pos_w)
        rq = q.reshape(b, self.heads, h, w, hd)
        bias_h = torch.einsum("bnhwc,hkc->bnhwk", rq, rh)  # (B, nh, h, w, kh)
        bias_w = torch.einsum("bnhwc,wkc->bnhwk", rq, rw)  # (B, nh, h, w, kw)
        bias = bias_h[..., :, None] + bias_w[..., None, :]  # (B, nh, h, w, kh, kw)
        logits = logits + bias.reshape(b, self.heads, h * w, h * w)
        y = logits.softmax(-1) @ v  # (B, nh, HW, hd)
        return self.proj(y.permute(0, 2, 1, 3).reshape(b, h, w, c))


class SamMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.lin2(F.gelu(self.lin1(x)))


class SamBlock(nn.Module):
    def __init__(self, dim, heads, hidden, window, grid):
        super().__init__()
        self.window = window
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = SamAttn(dim, heads, window if window > 0 else grid)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = SamMlp(dim, hidden)

    def forward(self, x):
        y = self.norm1(x)
        if self.window > 0:
            b, h, w, c = y.shape
            s = self.window
            ph, pw = (-h) % s, (-w) % s
            y = F.pad(y, (0, 0, 0, pw, 0, ph))
            hp, wp = h + ph, w + pw
            y = y.reshape(b, hp // s, s, wp // s, s, c).transpose(2, 3).reshape(-1, s, s, c)
            y = self.attn(y)
            y = y.reshape(b, hp // s, wp // s, s, s, c).transpose(2, 3).reshape(b, hp, wp, c)[:, :h, :w]
        else:
            y = self.attn(y)
        x = x + y
        return x + self.mlp(self.norm2(x))


class LN2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(1 + 0.1 * torch.randn(c))
        self.bias = nn.Parameter(0.1 * torch.randn(c))

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = ((x - u) ** 2).mean(1, keepdim=True)
        return self.weight[:, None, None] * (x - u) / torch.sqrt(s + 1e-6) + self.bias[:, None, None]


class SamEncoder(nn.Module):
    def __init__(self, img, patch, dim, depth, heads, hidden, window, global_blocks, neck):
        super().__init__()
        g = img // patch
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, patch, patch)
        self.pos_embed = nn.Parameter(torch.randn(1, g, g, dim) * 0.1)
        self.blocks = nn.ModuleList(
            [SamBlock(dim, heads, hidden, 0 if i in global_blocks else window, g) for i in range(depth)])
        self.neck = nn.Sequential(nn.Conv2d(dim, neck, 1, bias=False), LN2d(neck),
                                  nn.Conv2d(neck, neck, 3, padding=1, bias=False), LN2d(neck))

    def forward(self, img):
        x = self.patch_embed.proj(normalize(img, SAM_MEAN, SAM_STD)).permute(0, 2, 3, 1)  # (B, g, g, d)
        x = x + resize_grid(self.pos_embed, x.shape[1])
        for blk in self.blocks:
            x = blk(x)
        return x, self.neck(x.permute(0, 3, 1, 2))


def randomize_norms(model):
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            m.weight.copy_(1 + 0.1 * torch.randn_like(m.weight))
            m.bias.copy_(0.1 * torch.randn_like(m.bias))


# ----------------------------------------------------------------------------------------------------------------
# timm-style ViT
# ----------------------------------------------------------------------------------------------------------------
class TimmBlock(nn.Module):
    def __init__(self, dim, heads, hidden, layer_scale, eps):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(dim, 3 * dim)
        self.attn.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(dim, hidden)
        self.mlp.fc2 = nn.Linear(hidden, dim)
        if layer_scale:
            self.ls1 = nn.Module()
            self.ls1.gamma = nn.Parameter(0.5 + 0.1 * torch.randn(dim))
            self.ls2 = nn.Module()
            self.ls2.gamma = nn.Parameter(0.5 + 0.1 * torch.randn(dim))
        self.layer_scale = layer_scale

    def attend(self, x):
        b, n, c = x.shape
        hd = c // self.heads
        q, k, v = self.attn.qkv(x).reshape(b, n, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        y = ((q * hd ** -0.5) @ k.transpose(-2, -1)).softmax(-1) @ v
        return self.attn.proj(y.transpose(1, 2).reshape(b, n, c))

    def forward(self, x):
        a = self.attend(self.norm1(x))
        x = x + (a * self.ls1.gamma if self.layer_scale else a)
        m = self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x))))
        return x + (m * self.ls2.gamma if self.layer_scale else m)


class TimmViT(nn.Module):
    def __init__(self, img, patch, dim, depth, heads, hidden, registers, no_embed_class, layer_scale, eps):
        super().__init__()
        g = img // patch
        self.no_embed_class = no_embed_class
        self.prefix = 1 + registers
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.1)
        self.reg_token = nn.Parameter(torch.randn(1, registers, dim) * 0.1) if registers else None
        self.pos_embed = nn.Parameter(torch.randn(1, g * g + (0 if no_embed_class else self.prefix), dim) * 0.1)
        self.blocks = nn.ModuleList([TimmBlock(dim, heads, hidden, layer_scale, eps) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=eps)

    def pos_for(self, grid):
        pe = self.pos_embed
        prefix = 0 if self.no_embed_class else self.prefix
        head, body = pe[:, :prefix], pe[:, prefix:]
        old = int(math.isqrt(body.shape[1]))
        body = resize_grid(body.reshape(1, old, old, -1), grid).reshape(1, grid * grid, -1)
        return torch.cat([head, body], 1)

    def forward(self, img):
        x = self.patch_embed.proj(normalize(img, IMAGENET_MEAN, IMAGENET_STD))  # (B, d, g, g)
        grid = x.shape[-1]
        x = x.flatten(2).transpose(1, 2)  # (B, n, d)
        b = x.shape[0]
        prefix = [self.cls_token.expand(b, -1, -1)]
        if self.reg_token is not None:
            prefix.append(self.reg_token.expand(b, -1, -1))
        pos = self.pos_for(grid)
        if self.no_embed_class:
            x = torch.cat(prefix + [x + pos], 1)
        else:
            x = torch.cat(prefix + [x], 1) + pos
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


def hf_state(model):
    """A plain timm ViT's weights in Hugging Face ViTModel's key layout."""
    s = {"embeddings.cls_token": model.cls_token, "embeddings.position_embeddings": model.pos_embed,
         "embeddings.patch_embeddings.projection.weight": model.patch_embed.proj.weight,
         "embeddings.patch_embeddings.projection.bias": model.patch_embed.proj.bias,
         "layernorm.weight": model.norm.weight, "layernorm.bias": model.norm.bias,
         "pooler.dense.weight": torch.randn(8, 8), "pooler.dense.bias": torch.randn(8)}
    for i, blk in enumerate(model.blocks):
        p = f"encoder.layer.{i}."
        q, k, v = blk.attn.qkv.weight.chunk(3, 0)
        qb, kb, vb = blk.attn.qkv.bias.chunk(3, 0)
        s.update({p + "attention.attention.query.weight": q, p + "attention.attention.key.weight": k,
                  p + "attention.attention.value.weight": v, p + "attention.attention.query.bias": qb,
                  p + "attention.attention.key.bias": kb, p + "attention.attention.value.bias": vb,
                  p + "attention.output.dense.weight": blk.attn.proj.weight,
                  p + "attention.output.dense.bias": blk.attn.proj.bias,
                  p + "intermediate.dense.weight": blk.mlp.fc1.weight, p + "intermediate.dense.bias": blk.mlp.fc1.bias,
                  p + "output.dense.weight": blk.mlp.fc2.weight, p + "output.dense.bias": blk.mlp.fc2.bias,
                  p + "layernorm_before.weight": blk.norm1.weight, p + "layernorm_before.bias": blk.norm1.bias,
                  p + "layernorm_after.weight": blk.norm2.weight, p + "layernorm_after.bias": blk.norm2.bias})
    return s


# ----------------------------------------------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------------------------------------------
def write_safetensors(path, tensors, dtype="F32"):
    """Writes the safetensors format directly: u64 header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        t = tensors[key].detach().contiguous()
        dt = dtype if not isinstance(dtype, dict) else dtype.get(key, "F32")
        t = {"F32": t.float(), "F16": t.half(), "BF16": t.bfloat16()}[dt]
        raw = t.view(torch.int16).numpy().tobytes() if dt != "F32" else t.numpy().tobytes()
        header[key] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"generator": "make_fixtures.py"}
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def save_both(stem, state):
    state = {k: v.detach().clone().contiguous() for k, v in state.items()}
    torch.save(state, os.path.join(HERE, stem + ".pth"))
    write_safetensors(os.path.join(HERE, stem + ".safetensors"), state)


def main():
    # SAM: stored at a 64 px image (8x8 grid, global tables of length 15), window 3 so the 8-grid is padded to 9.
    sam = SamEncoder(img=64, patch=8, dim=64, depth=3, heads=4, hidden=128, window=3, global_blocks=[1], neck=32)
    randomize_norms(sam)
    sam_state = {"image_encoder." + k: v for k, v in sam.state_dict().items()}
    # The rest of a full SAM checkpoint, which loading must set aside.
    sam_state["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"] = torch.randn(2, 16)
    sam_state["mask_decoder.iou_token.weight"] = torch.randn(1, 32)
    save_both("sam_tiny", sam_state)

    io = {}
    for name, size in (("sam_64", 64), ("sam_40", 40)):  # 40 px: 5x5 grid, tables resized, window 3 padded to 6
        img = torch.rand(2, 3, size, size) * 255
        tokens, neck = sam(img)
        io[name + ".input"], io[name + ".tokens"], io[name + ".neck"] = img, tokens, neck

    # timm: class token + 2 registers without position entries (DINOv2-reg style), LayerScale, stored at 32 px.
    timm = TimmViT(img=32, patch=8, dim=64, depth=2, heads=4, hidden=128, registers=2, no_embed_class=True,
                   layer_scale=True, eps=1e-6)
    randomize_norms(timm)
    timm_state = dict(timm.state_dict())
    timm_state["head.weight"] = torch.randn(5, 64)  # a classifier, set aside on load
    timm_state["head.bias"] = torch.randn(5)
    save_both("timm_tiny", timm_state)
    for name, size in (("timm_32", 32), ("timm_24", 24)):
        img = torch.rand(2, 3, size, size) * 255
        io[name + ".input"], io[name + ".tokens"] = img, timm(img)

    # Hugging Face layout: plain ViT (class token with a position entry, no LayerScale, eps 1e-12).
    plain = TimmViT(img=32, patch=8, dim=64, depth=2, heads=4, hidden=128, registers=0, no_embed_class=False,
                    layer_scale=False, eps=1e-12)
    randomize_norms(plain)
    write_safetensors(os.path.join(HERE, "hf_vit_tiny.safetensors"), hf_state(plain))
    img = torch.rand(2, 3, 32, 32) * 255
    io["hf_32.input"], io["hf_32.tokens"] = img, plain(img)

    write_safetensors(os.path.join(HERE, "reference_io.safetensors"), io)

    # Half-precision decoding: the same values stored as F16 and BF16, and their exact float32 values.
    values = torch.tensor([[0.0, 1.0, -2.5, 3.140625], [65504.0, -0.0009765625, 1e-3, 100.5]])
    write_safetensors(os.path.join(HERE, "dtypes.safetensors"),
                      {"f16": values, "bf16": values, "f16_as_f32": values.half().float(), "bf16_as_f32": values.bfloat16().float()},
                      dtype={"f16": "F16", "bf16": "BF16"})
    # Structure prompt: the high-frequency component of a normalised tile (tau 0.25 removes the centred 8x8 of 16x16).
    x = torch.randn(2, 3, 16, 16)
    spec = torch.fft.fftshift(torch.fft.fft2(x), dim=(-2, -1))
    mask = torch.ones(16, 16)
    side = round(math.sqrt(0.25) * 16)
    mask[8 - side // 2:8 - side // 2 + side, 8 - side // 2:8 - side // 2 + side] = 0
    hfc = torch.fft.ifft2(torch.fft.ifftshift(spec * mask, dim=(-2, -1))).real.abs()
    write_safetensors(os.path.join(HERE, "hfc_reference.safetensors"), {"input": x, "output": hfc})
    for f in sorted(os.listdir(HERE)):
        print(f, os.path.getsize(os.path.join(HERE, f)))


if __name__ == "__main__":
    main()
