using System.Diagnostics;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Training;
using static TorchSharp.torch;

namespace VPTSurv.Bench;

internal static class TrainingScratch
{
    [Benchmark("training-scratch")]
    public static JsonNode Run()
    {
        var o = new JsonObject();
        set_num_threads(1);
        var cohort = SyntheticCohorts.Generate(SyntheticCohortConfig.Null).Cohort;
        var slides = cohort.SlidesIn(Split.Test).Take(4).ToList();
        var sw = Stopwatch.StartNew();
        using (var src = TilePoolSource.Build(cohort, slides, 16, 32, 1.0, true, null)) { }
        o["pool16_32px_per_slide_s"] = sw.Elapsed.TotalSeconds / 4;
        sw.Restart();
        using (var src = TilePoolSource.Build(cohort, slides, 64, 64, 1.0, true, null)) { }
        o["pool64_64px_per_slide_s"] = sw.Elapsed.TotalSeconds / 4;
        return o;
    }
}
