using System.Text.Json.Nodes;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Bench;

internal static class SyntheticScratch
{
    static double C(double[] t, bool[] e, double[] r)
    {
        double conc = 0, tot = 0;
        for (int i = 0; i < t.Length; i++) if (e[i])
            for (int j = 0; j < t.Length; j++) if (t[j] > t[i] || (t[j] == t[i] && !e[j])) { tot++; conc += r[i] > r[j] ? 1 : r[i] == r[j] ? 0.5 : 0; }
        return conc / tot;
    }
    [Benchmark("synthetic-scratch")]
    public static JsonNode Run()
    {
        var o = new JsonObject();
        foreach (var cfg in SyntheticCohortConfig.All)
        {
            var c = SyntheticCohorts.Generate(cfg);
            var pts = c.Cohort.Patients;
            var t = pts.Select(p => p.Time).ToArray(); var e = pts.Select(p => p.EventObserved).ToArray();
            var lp = c.Truth.Select(x => x.LogHazard).ToArray();
            o[cfg.Name] = new JsonObject { ["censored"] = 1 - e.Average(x => x ? 1.0 : 0), ["C"] = C(t, e, lp), ["sdlp"] = Math.Sqrt(lp.Select(x => x * x).Average() - Math.Pow(lp.Average(), 2)),
              ["median_t"] = t.Order().ElementAt(t.Length / 2), ["slides"] = c.Cohort.Slides.Count(),
              ["train"] = c.Cohort.SlidesIn(VPTSurv.Data.Split.Train).Count(), ["val"] = c.Cohort.SlidesIn(VPTSurv.Data.Split.Val).Count(), ["test"] = c.Cohort.SlidesIn(VPTSurv.Data.Split.Test).Count() };
        }
        return o;
    }
}
