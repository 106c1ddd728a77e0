# Independent reference for TileSampling.SeedFor (SplitMix64 finaliser over seed, epoch and an FNV-1a hash of the
# slide id's UTF-16 code units). Prints the values pinned in TileSamplingTests. Run: python3 seed_reference.py
M = (1 << 64) - 1

def mix(z):
    z = (z + 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)

def seed_for(seed, epoch, slide_id):
    h = 14695981039346656037
    for unit in slide_id.encode("utf-16-le")[::2]:  # ASCII ids: one byte per code unit
        h ^= unit
        h = (h * 1099511628211) & M
    z = mix(seed & 0xFFFFFFFF) ^ mix((((epoch & 0xFFFFFFFF) << 1) | 1) & M) ^ mix(h)
    return mix(z) & 0x7FFFFFFF

for args in [(0, 0, ""), (42, 3, "TCGA-XY")]:
    print(args, seed_for(*args))
