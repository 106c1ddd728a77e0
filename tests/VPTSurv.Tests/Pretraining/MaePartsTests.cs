using VPTSurv.Encoders;
using VPTSurv.Pretraining;
using VPTSurv.Slides;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Pretraining;

public class MaePartsTests
{
    private static MaeConfig Tiny => MaeConfig.Smoke with { Steps = 100, WarmupSteps = 10, LearningRate = 1e-3, MinLearningRate = 1e-5 };

    [Fact]
    public void MaskingKeepsDistinctSortedTokensAndHidesExactlyTheRest()
    {
        using var scope = NewDisposeScope();
        var (keep, mask) = MaeMasking.Draw(seed: 3, step: 5, batch: 4, tokens: 16, visible: 4);
        var k = keep.data<long>().ToArray();
        var m = mask.data<float>().ToArray();
        for (int b = 0; b < 4; b++)
        {
            var row = k.Skip(4 * b).Take(4).ToArray();
            Assert.Equal(row.Order().Distinct(), row);
            Assert.Equal(12f, m.Skip(16 * b).Take(16).Sum());
            Assert.All(row, i => Assert.Equal(0f, m[16 * b + (int)i]));
        }
    }

    [Fact]
    public void MaskingIsAFunctionOfSeedAndStep()
    {
        using var scope = NewDisposeScope();
        var a = MaeMasking.Draw(1, 7, 8, 64, 16).Keep;
        var b = MaeMasking.Draw(1, 7, 8, 64, 16).Keep;
        var c = MaeMasking.Draw(1, 8, 8, 64, 16).Keep;
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(c).all().item<bool>());
    }

    [Fact]
    public void ScheduleWarmsUpLinearlyThenFallsAlongACosineToTheMinimum()
    {
        var c = Tiny;
        Assert.Equal(c.LearningRate / 10, MaeSchedule.At(c, 0), 12);
        Assert.Equal(c.LearningRate / 2, MaeSchedule.At(c, 4), 12);
        Assert.Equal(c.LearningRate, MaeSchedule.At(c, 10), 12);
        // Half-way through the decay the cosine is at the mid-point of peak and minimum.
        Assert.Equal((c.LearningRate + c.MinLearningRate) / 2, MaeSchedule.At(c, 55), 12);
        Assert.Equal(c.MinLearningRate, MaeSchedule.At(c, 100), 12);
        for (int s = 10; s < 99; s++)
            Assert.True(MaeSchedule.At(c, s + 1) < MaeSchedule.At(c, s));
    }

    [Fact]
    public void PatchifyPutsEachPatchsPixelsRowByRowWithChannelsLast()
    {
        using var scope = NewDisposeScope();
        var images = arange(2 * 3 * 4 * 4, dtype: ScalarType.Float32).view(2, 3, 4, 4); // (B, C, H, W)
        var patches = MaeModel.Patchify(images, 2); // (2, 4, 12)
        Assert.Equal(new long[] { 2, 4, 12 }, patches.shape);
        // Image 1, patch 1 (row 0, column 1): pixel (p, q) = (1, 0) is at H 1, W 2; channel 2.
        float expected = images[1, 2, 1, 2].item<float>();
        Assert.Equal(expected, patches[1, 1, (1 * 2 + 0) * 3 + 2].item<float>());
    }

    [Fact]
    public void LossCountsOnlyHiddenPatchesAgainstPerPatchNormalisedPixels()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new float[] { 1, 2, 3, 4, 10, 10, 10, 10 }, [1, 2, 4]); // two patches of 4 values
        var mask = tensor(new float[] { 1, 0 }, [1, 2]);
        // Patch 0 normalised by hand: mean 2.5, unbiased variance 5/3.
        double sd = Math.Sqrt(5.0 / 3 + 0.01);
        var normalized = new[] { 1, 2, 3, 4 }.Select(v => (v - 2.5) / sd).ToArray();
        var prediction = zeros(1, 2, 4);
        double expected = normalized.Select(v => v * v).Average();
        Assert.Equal(expected, MaeModel.MaskedLoss(prediction, target, mask, 0.01).item<float>(), 5);
        // Whatever is predicted for the visible patch does not matter.
        prediction[0, 1] = 100;
        Assert.Equal(expected, MaeModel.MaskedLoss(prediction, target, mask, 0.01).item<float>(), 5);
        // A perfect prediction of the hidden patch gives zero.
        prediction[0, 0] = tensor(normalized.Select(v => (float)v).ToArray());
        Assert.Equal(0.0, MaeModel.MaskedLoss(prediction, target, mask, 0.01).item<float>(), 5);
    }

    [Fact]
    public void BatchTilesAreFlipsAndQuarterTurnsOfPoolTiles()
    {
        using var scope = NewDisposeScope();
        var pixels = new byte[2 * 8 * 8 * 3];
        new Random(4).NextBytes(pixels);
        var pool = new MaeTilePool(pixels, 8);
        var batch = pool.Batch(seed: 9, step: 2, size: 32); // (32, 3, 8, 8)
        var tiles = Enumerable.Range(0, 2).Select(i =>
            tensor(pool.Tile(i).Pixels, [8, 8, 3]).permute(2, 0, 1).to(ScalarType.Float32)).ToList(); // (3, 8, 8)
        var seen = new HashSet<(int, int)>();
        for (int b = 0; b < 32; b++)
        {
            var found = false;
            for (int i = 0; i < 2 && !found; i++)
                for (int r = 0; r < 4 && !found; r++)
                    for (int f = 0; f < 2 && !found; f++)
                    {
                        var t = f == 1 ? tiles[i].flip(2) : tiles[i];
                        t = t.rot90(r, (1, 2));
                        if (t.eq(batch[b]).all().item<bool>()) { found = true; seen.Add((i, 2 * r + f)); }
                    }
            Assert.True(found, $"batch tile {b} is no dihedral transform of a pool tile");
        }
        Assert.True(seen.Count >= 8, $"only {seen.Count} distinct (tile, transform) pairs in 32 draws");
    }

    [Fact]
    public void TilePoolIsReproducibleAndKeepsBackgroundWithinItsShare()
    {
        var source = MaeTileSource.Synthetic(slides: 2, tilesPerSlide: 10, tileSize: 32) with { MaxBackgroundShare = 0.2 };
        var a = MaeTilePool.Draw(source, seed: 5);
        var b = MaeTilePool.Draw(source, seed: 5);
        Assert.Equal(20, a.Count);
        Assert.Equal(Enumerable.Range(0, 20).SelectMany(i => a.Tile(i).Pixels), Enumerable.Range(0, 20).SelectMany(i => b.Tile(i).Pixels));
        Assert.True(a.BackgroundShare <= 0.2);
        Assert.True(Enumerable.Range(0, 20).Count(i => MaeTilePool.BackgroundFraction(a.Tile(i)) > 0.5) <= 4);
    }

    [Fact]
    public void PretrainingAndProbeSlidesLieOutsideEveryCohortAndApart()
    {
        // Cohort slide seeds are below SeedFloor; the probe slides (seed 1001) share no slide with the pool (seed 0).
        var pool = MaeConfig.Cpu.Tiles.OpenSlides(0).Cast<VPTSurv.Slides.Synthetic.SyntheticSlide>().ToList();
        var probe = VPTSurv.Slides.Synthetic.SyntheticPretrainingSlides.Create(20, 1001);
        Assert.Equal(48, pool.Count);
        Assert.All(pool.Concat(probe), s => Assert.True(s.SpecRecord.Seed >= VPTSurv.Slides.Synthetic.SyntheticPretrainingSlides.SeedFloor));
        Assert.Empty(pool.Select(s => s.SpecRecord.Seed).Intersect(probe.Select(s => s.SpecRecord.Seed)));
    }

    [Fact]
    public void SettingsRejectBadFieldsByName()
    {
        Assert.Contains("MaskRatio", Assert.Throws<ArgumentException>(() => (Tiny with { MaskRatio = 1.0 }).Validate()).Message);
        Assert.Contains("DecoderWidth", Assert.Throws<ArgumentException>(() => (Tiny with { DecoderWidth = 30, DecoderHeads = 4 }).Validate()).Message);
        Assert.Contains("WarmupSteps", Assert.Throws<ArgumentException>(() => (Tiny with { WarmupSteps = 101 }).Validate()).Message);
        Assert.Contains("TileSize", Assert.Throws<ArgumentException>(() => (Tiny with { Tiles = MaeTileSource.Synthetic(tileSize: 64) }).Validate()).Message);
        Assert.Contains("Resume", Assert.Throws<ArgumentException>(() => (Tiny with { Resume = true }).Validate()).Message);
        Assert.Contains("cpu, smoke", Assert.Throws<ArgumentException>(() => MaeConfig.ByName("paper")).Message);
    }

    [Fact]
    public void SinCosTableMatchesMaesFormulaAtAKnownEntry()
    {
        // Width 8: a quarter of 2 frequencies, omega = 1 / 10000^(i / 2). Token (row 2, column 1), i = 1: omega = 0.01.
        var table = MaeDecoder.SinCos2d(8, 3);
        int row = (2 * 3 + 1) * 8;
        Assert.Equal(Math.Sin(1 * 0.01), table[row + 1], 6);
        Assert.Equal(Math.Cos(1 * 0.01), table[row + 2 + 1], 6);
        Assert.Equal(Math.Sin(2 * 0.01), table[row + 4 + 1], 6);
        Assert.Equal(Math.Cos(2 * 1.0), table[row + 6 + 0], 6);
    }

    [Fact]
    public void LinearProbeRecoversAKnownLinearRelation()
    {
        var rng = new Random(2);
        var x = Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, 5).Select(_ => rng.NextDouble()).ToArray()).ToArray();
        var y = x.Select(r => 3 * r[0] - 2 * r[3] + 0.5).ToArray();
        var prediction = LinearProbe.FitPredict(x, y, [.. Enumerable.Range(0, 150)], [.. Enumerable.Range(150, 50)]);
        for (int k = 0; k < 50; k++)
            Assert.Equal(y[150 + k], prediction[k], 2);
    }
}
