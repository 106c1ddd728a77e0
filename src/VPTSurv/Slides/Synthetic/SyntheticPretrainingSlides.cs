namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// Synthetic slides for self-supervised pretraining (the MAE encoder): random factors and stains, seeds with the top
/// bit set, so they never coincide with a cohort slide (cohort seeds are below 2^40).
/// </summary>
public static class SyntheticPretrainingSlides
{
    /// <summary>The lowest seed a pretraining slide can have; every cohort slide's seed is below it.</summary>
    public const ulong SeedFloor = 1UL << 63;

    /// <summary><paramref name="count"/> slides, ids "pretrain-{seed}-{i}", reproducible from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<SyntheticSlide> Create(int count, ulong seed)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Count must not be negative.");
        var rng = new SeededRandom(PointHash.Key(seed, 0x5052455452414EUL));
        var slides = new List<SyntheticSlide>(count);
        for (int i = 0; i < count; i++)
        {
            ulong slideSeed = SeedFloor | (rng.NextUInt64() >> 1);
            var stain = rng.NextDouble() < 0.5 ? IhcStain.CD4 : IhcStain.CD8;
            var f = new LatentFactors(R(rng), R(rng), R(rng), R(rng));
            slides.Add(new SyntheticSlide(new SyntheticSlideSpec(slideSeed, stain, f), $"pretrain-{seed}-{i}"));
        }
        return slides;
    }

    private static double R(SeededRandom rng) => Math.Round(rng.NextDouble(), 3);
}
