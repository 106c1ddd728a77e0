"""
The VPTSurv model (src/VPTSurv) written again in plain PyTorch 1.13: a SAM-style ViT (windowed and global blocks with
decomposed relative position), the tile / structure (FFT) / scale prompt sources, one adaptor per block with a shared
zero-initialised Up, mean pooling, the feature standardiser and the VPTSurv survival decoder, plus the discrete-time
NLL. Module attribute names follow the C# fields so that state_dict keys are the library's own (encoder.vit.blocks.0
.attn.qkv.weight, encoder.adaptors.0.attn.kv_proj.weight, decoder.layers.0.cross_attn.q_proj.weight, ...).

PyTorch 1.13 has no scaled_dot_product_attention, so attention is written out as SAM's reference code does it:
softmax(q·kᵀ/√c + bias)·v.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SAM_MEAN = (123.675, 116.28, 103.53)
SAM_STD = (58.395, 57.12, 57.375)


def attention(q, k, v, bias=None):
    """(B, h, Lq, c), (B, h, Lk, c), (B, h, Lk, c) [, additive bias (B, h, Lq, Lk)] -> (B, h, Lq, c)."""
    logits = (q * (1.0 / math.sqrt(q.shape[-1]))) @ k.transpose(-2, -1)
    if bias is not None:
        logits = logits + bias
    return logits.softmax(dim=-1) @ v


# ---------------------------------------------------------------------------------------------------------------------
# Frozen SAM-style ViT
# ---------------------------------------------------------------------------------------------------------------------
def rel_positions(q_size, k_size, table):
    """Relative-position embeddings per (query, key) pair along one axis: (q, k, c) (SAM's get_rel_pos)."""
    length = 2 * max(q_size, k_size) - 1
    if table.shape[0] != length:
        table = F.interpolate(table.reshape(1, table.shape[0], -1).permute(0, 2, 1), size=length, mode="linear")
        table = table.reshape(-1, length).permute(1, 0)
    q_coords = torch.arange(q_size, dtype=torch.float64)[:, None] * max(k_size / q_size, 1.0)
    k_coords = torch.arange(k_size, dtype=torch.float64)[None, :] * max(q_size / k_size, 1.0)
    offsets = (q_coords - k_coords + (k_size - 1) * max(q_size / k_size, 1.0)).long()
    return table[offsets]


class Attention(nn.Module):
    def __init__(self, width, heads, size):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.rel_pos_h = nn.Parameter(torch.zeros(2 * size - 1, width // heads))
        self.rel_pos_w = nn.Parameter(torch.zeros(2 * size - 1, width // heads))

    def forward(self, x):  # (B, H, W, C)
        b, h, w, c = x.shape
        hs = c // self.heads
        q, k, v = self.qkv(x).reshape(b, h * w, 3, self.heads, hs).permute(2, 0, 3, 1, 4).unbind(0)  # (B, nh, HW, hs)
        rh = rel_positions(h, h, self.rel_pos_h)  # (H, H, hs)
        rw = rel_positions(w, w, self.rel_pos_w)  # (W, W, hs)
        rq = q.reshape(b * self.heads, h, w, hs)
        rel_h = torch.einsum("bhwc,hkc->bhwk", rq, rh)
        rel_w = torch.einsum("bhwc,wkc->bhwk", rq, rw)
        bias = (rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).reshape(b, self.heads, h * w, h * w)
        y = attention(q, k, v, bias)  # (B, nh, HW, hs)
        return self.proj(y.transpose(1, 2).reshape(b, h, w, c))


class Mlp(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.lin1 = nn.Linear(width, hidden)
        self.lin2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.lin2(F.gelu(self.lin1(x)))


def window_partition(x, ws):
    b, h, w, c = x.shape
    ph, pw = (ws - h % ws) % ws, (ws - w % ws) % ws
    if ph or pw:
        x = F.pad(x, (0, 0, 0, pw, 0, ph))
    hp, wp = h + ph, w + pw
    x = x.view(b, hp // ws, ws, wp // ws, ws, c).permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c)
    return x, (hp, wp)


def window_unpartition(windows, ws, padded, size):
    hp, wp = padded
    b = windows.shape[0] // (hp * wp // ws // ws)
    x = windows.view(b, hp // ws, wp // ws, ws, ws, -1).permute(0, 1, 3, 2, 4, 5).contiguous().view(b, hp, wp, -1)
    if hp > size[0] or wp > size[1]:
        x = x[:, : size[0], : size[1], :].contiguous()
    return x


class Block(nn.Module):
    def __init__(self, width, heads, hidden, window, grid, eps):
        super().__init__()
        self.window = window
        self.norm1 = nn.LayerNorm(width, eps=eps)
        self.attn = Attention(width, heads, window if window > 0 else grid)
        self.norm2 = nn.LayerNorm(width, eps=eps)
        self.mlp = Mlp(width, hidden)

    def forward(self, x):
        y = self.norm1(x)
        if self.window > 0:
            size = (x.shape[1], x.shape[2])
            y, padded = window_partition(y, self.window)
            y = window_unpartition(self.attn(y), self.window, padded, size)
        else:
            y = self.attn(y)
        x = x + y
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch, width):
        super().__init__()
        self.proj = nn.Conv2d(3, width, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x)


class SamViT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.grid = cfg["tile"] // cfg["patch"]
        d = cfg["width"]
        self.patch_embed = PatchEmbed(cfg["patch"], d)
        self.pos_embed = nn.Parameter(torch.randn(1, self.grid, self.grid, d) * 0.02)
        window = lambda i: 0 if i in cfg["global_blocks"] else cfg["window"]
        self.blocks = nn.ModuleList(
            Block(d, cfg["heads"], int(d * cfg.get("mlp_ratio", 4.0)), window(i), self.grid, cfg.get("eps", 1e-6))
            for i in range(cfg["depth"]))

    def embed_patches(self, x):  # (N, 3, T, T) normalised -> (N, n, d)
        t = self.patch_embed(x)
        return t.permute(0, 2, 3, 1).reshape(t.shape[0], self.grid * self.grid, -1)

    def start(self, t0):
        return t0.view(t0.shape[0], self.grid, self.grid, -1) + self.pos_embed

    def run_block(self, i, state, prompt=None):
        if prompt is not None:
            state = state + prompt.view(state.shape[0], self.grid, self.grid, -1)
        return self.blocks[i](state)

    def finish(self, state):
        return state.reshape(state.shape[0], self.grid * self.grid, -1)


# ---------------------------------------------------------------------------------------------------------------------
# Prompt sources, adaptors, prompted encoder
# ---------------------------------------------------------------------------------------------------------------------
def high_frequency(x, tau):
    """|Re ifft2(ifftshift(M ⊙ fftshift(fft2 x)))|, M zeroing the centred square of side round(√τ·T)."""
    h, w = x.shape[-2:]
    side_h, side_w = round(math.sqrt(tau) * h), round(math.sqrt(tau) * w)
    spectrum = torch.fft.fftshift(torch.fft.fft2(x), dim=(-2, -1))
    mask = torch.ones(h, w)
    if side_h > 0 and side_w > 0:
        top, left = h // 2 - side_h // 2, w // 2 - side_w // 2
        mask[top: top + side_h, left: left + side_w] = 0
    return torch.fft.ifft2(torch.fft.ifftshift(spectrum * mask, dim=(-2, -1))).real.abs()


class ImageSource(nn.Module):
    def __init__(self, patch, r):
        super().__init__()
        self.proj = nn.Conv2d(3, r, kernel_size=patch, stride=patch)

    def embed(self, image):
        return self.proj(image).flatten(2).transpose(1, 2)  # (N, n, r)


class StructureSource(ImageSource):
    def __init__(self, patch, r, tau):
        super().__init__(patch, r)
        self.tau = tau

    def forward(self, normalized):
        return self.embed(high_frequency(normalized, self.tau))


class ScaleSource(ImageSource):
    def forward(self, normalized_context):
        return self.embed(normalized_context)


class TileSource(nn.Module):
    def __init__(self, d, r):
        super().__init__()
        self.down = nn.Linear(d, r)

    def forward(self, t0):
        return self.down(t0)


class TokenAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(width, width)
        self.kv_proj = nn.Linear(width, 2 * width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, query, key_value):
        b, lq, c = query.shape
        lk, hs = key_value.shape[1], c // self.heads
        q = self.q_proj(query).view(b, lq, self.heads, hs).transpose(1, 2)
        k, v = self.kv_proj(key_value).view(b, lk, 2, self.heads, hs).permute(2, 0, 3, 1, 4).unbind(0)
        return self.out_proj(attention(q, k, v).transpose(1, 2).reshape(b, lq, c))


class Adaptor(nn.Module):
    def __init__(self, r, heads):
        super().__init__()
        self.attn = TokenAttention(r, heads)
        self.mlp = nn.Linear(r, r)

    def forward(self, tile_prompt, all_prompts):
        return F.gelu(self.mlp(self.attn(tile_prompt, all_prompts)))


class PromptedEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, r, p = cfg["width"], cfg["r"], cfg["patch"]
        sources = cfg["prompt_sources"]
        self.vit = SamViT(cfg)
        self.tile = TileSource(d, r)
        self.structure = StructureSource(p, r, cfg.get("tau", 0.25)) if "structure" in sources else None
        self.scale = ScaleSource(p, r) if "scale" in sources else None
        self.adaptors = nn.ModuleList(Adaptor(r, cfg.get("adaptor_heads", 2)) for _ in range(cfg["depth"]))
        self.up = nn.Linear(r, d)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)
        self.register_buffer("pixel_mean", torch.tensor(SAM_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(SAM_STD).view(1, 3, 1, 1), persistent=False)
        for q in self.vit.parameters():
            q.requires_grad_(False)

    def normalize(self, tiles):
        return (tiles.to(torch.float32) - self.pixel_mean) / self.pixel_std

    def prompts(self, x, context):
        """Normalised tiles (and context) -> tile patch tokens t0 (N, n, d), tile prompt e (N, n, r), all prompts (N, L, r)."""
        t0 = self.vit.embed_patches(x)
        e = self.tile(t0)
        parts = [e]
        if self.structure is not None:
            parts.append(self.structure(x))
        if self.scale is not None:
            parts.append(self.scale(self.normalize(context)))
        return t0, e, (e if len(parts) == 1 else torch.cat(parts, 1))

    def forward(self, tiles, context=None):
        x = self.normalize(tiles)
        t0, e, everything = self.prompts(x, context)
        state = self.vit.start(t0)
        for i in range(len(self.vit.blocks)):
            state = self.vit.run_block(i, state, self.up(self.adaptors[i](e, everything)))
        return self.vit.finish(state)

    def forward_frozen(self, tiles):
        state = self.vit.start(self.vit.embed_patches(self.normalize(tiles)))
        for i in range(len(self.vit.blocks)):
            state = self.vit.run_block(i, state)
        return self.vit.finish(state)


# ---------------------------------------------------------------------------------------------------------------------
# Standardiser, decoder, model, loss
# ---------------------------------------------------------------------------------------------------------------------
class FeatureStandardizer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("scale", torch.ones(d))

    def forward(self, x):
        return (x - self.mean) / self.scale


class SurvivalDecoderLayer(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.self_attn = TokenAttention(width, heads)
        self.norm2 = nn.LayerNorm(width)
        self.norm_memory = nn.LayerNorm(width)
        self.cross_attn = TokenAttention(width, heads)
        self.norm3 = nn.LayerNorm(width)
        self.linear1 = nn.Linear(width, hidden)
        self.linear2 = nn.Linear(hidden, width)

    def forward(self, queries, tiles):
        q = self.norm1(queries)
        x = queries + self.self_attn(q, q)
        x = x + self.cross_attn(self.norm2(x), self.norm_memory(tiles))
        return x + self.linear2(F.gelu(self.linear1(self.norm3(x))))


class VPTSurvDecoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dec = cfg["decoder"]
        w = dec["width"]
        self.bins = dec["bins"]
        self.proj = nn.Linear(cfg["width"], w)
        self.queries = nn.Parameter(torch.randn(dec["bins"], w) * 0.02)
        self.layers = nn.ModuleList(
            SurvivalDecoderLayer(w, dec["heads"], int(w * dec.get("ffn_ratio", 4.0))) for _ in range(dec["layers"]))
        self.norm = nn.LayerNorm(w)
        self.head = nn.Linear(w, 1)

    def forward(self, features):  # (N, D) -> (K)
        tiles = self.proj(features).unsqueeze(0)
        q = self.queries.unsqueeze(0)
        for layer in self.layers:
            q = layer(q, tiles)
        return self.head(self.norm(q)).view(self.bins)


class VPTSurvModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = PromptedEncoder(cfg)
        self.standardizer = FeatureStandardizer(cfg["width"])
        self.decoder = VPTSurvDecoder(cfg)

    def encode_tiles(self, tiles, context=None):  # (N, 3, T, T) -> (N, d)
        return self.encoder(tiles, context).mean(1)

    def decode(self, pooled):
        return self.decoder(self.standardizer(pooled))

    def forward(self, tiles, context=None):
        return self.decode(self.encode_tiles(tiles, context))

    @torch.no_grad()
    def frozen_features(self, tiles):
        return self.encoder.forward_frozen(tiles).mean(1)


def discrete_time_nll(logits, bin_index, event, alpha=0.0):
    """MCAT's discrete-time NLL from logits (B, K), bins (B) int64, events (B) — the library's SurvivalLoss.DiscreteTimeNll."""
    e = event.to(logits.dtype).unsqueeze(1)
    y = bin_index.unsqueeze(1)
    log_s = F.logsigmoid(-logits).cumsum(1)
    log_s_padded = torch.cat([torch.zeros_like(e), log_s], 1)
    uncensored = -e * (log_s_padded.gather(1, y) + F.logsigmoid(logits).gather(1, y))
    censored = -(1 - e) * log_s_padded.gather(1, y + 1)
    return ((1 - alpha) * (censored + uncensored) + alpha * uncensored).mean()


def decays(name, p):
    """The library's OptimizerFactory.Decays: matrices and kernels decay; biases, norms, queries and embeddings do not."""
    last = name.rsplit(".", 1)[-1]
    return p.dim() >= 2 and not (last in ("queries", "cls_token", "reg_token") or "pos_embed" in last or "embedding" in last)


def adamw(model, lr, weight_decay):
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [{"params": [p for n, p in trainable if decays(n, p)], "weight_decay": weight_decay},
              {"params": [p for n, p in trainable if not decays(n, p)], "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=lr, weight_decay=weight_decay)
