using System.Text.Json.Nodes;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Bench;

/// <summary>
/// Writes the pictures of docs/synthetic/ (thumbnails and tiles of synthetic slides): not a timing, but run the same way
/// (<c>dotnet run -c Release --project bench/VPTSurv.Bench -- synthetic-pictures</c>, from the repository root).
/// </summary>
internal static class SyntheticPictures
{
    /// <summary>Tiles side by side with a white gutter.</summary>
    private static RgbImage Row(IReadOnlyList<RgbImage> tiles, int gutter = 8)
    {
        int h = tiles.Max(t => t.Height), w = tiles.Sum(t => t.Width) + gutter * (tiles.Count - 1);
        var row = RgbImage.White(w, h);
        int x0 = 0;
        foreach (var t in tiles)
        {
            for (int y = 0; y < t.Height; y++)
                Array.Copy(t.Pixels, y * t.Width * 3, row.Pixels, (y * w + x0) * 3, t.Width * 3);
            x0 += t.Width + gutter;
        }
        return row;
    }

    [Benchmark("synthetic-pictures")]
    public static JsonNode Run()
    {
        var dir = Path.Combine("docs", "synthetic");
        Directory.CreateDirectory(dir);
        var written = new JsonArray();

        var example = SyntheticSlide.FromSpec("synthetic:v1;seed=123;stain=CD8;immune=0.7;infiltration=0.2;grade=0.5;architecture=0.3");
        int lvl = 3;
        var (tw, th) = example.LevelDimensions[lvl];
        example.ReadRegion(0, 0, lvl, (int)tw, (int)th).SavePng(Path.Combine(dir, "thumbnail.png"));
        written.Add("thumbnail.png");
        var tiles = SyntheticBench.TissueTiles(example, 512, 4);
        Row([.. tiles.Select(t => example.ReadRegion(t.X, t.Y, 0, 512, 512))]).SavePng(Path.Combine(dir, "tiles.png"));
        written.Add("tiles.png");

        // One factor at a time, the others at 0.5: low (left) and high (right), same seed.
        string[] factors = ["immune", "infiltration", "grade", "architecture"];
        foreach (var f in factors)
        {
            var imgs = new List<RgbImage>();
            foreach (var v in new[] { 0.0, 1.0 })
            {
                var lf = new LatentFactors(f == "immune" ? v : 0.5, f == "infiltration" ? v : 0.5, f == "grade" ? v : 0.5, f == "architecture" ? v : 0.5);
                var s = new SyntheticSlide(new SyntheticSlideSpec(7, IhcStain.CD8, lf));
                var t = SyntheticBench.TissueTiles(s, 1024, 1)[0];
                imgs.Add(s.ReadRegion(t.X, t.Y, f == "architecture" ? 1 : 0, 512, 512));
            }
            Row(imgs, 16).SavePng(Path.Combine(dir, $"factor-{f}.png"));
            written.Add($"factor-{f}.png");
        }
        return new JsonObject { ["directory"] = dir, ["written"] = written };
    }
}
