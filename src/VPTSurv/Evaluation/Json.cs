using System.Text.Json.Nodes;
using VPTSurv.Survival;

namespace VPTSurv.Evaluation;

/// <summary>JSON pieces shared by the reference rows and the result tables (non-finite numbers become null).</summary>
internal static class Json
{
    public static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    public static JsonObject? Interval(BootstrapInterval? c) => c is null ? null : new JsonObject
    {
        ["c_index"] = Number(c.Estimate), ["lower"] = Number(c.Lower), ["upper"] = Number(c.Upper), ["std_error"] = Number(c.StdError),
        ["level"] = c.Level, ["resamples"] = c.Resamples, ["skipped"] = c.Skipped,
    };

    public static JsonObject? Comparison(PairedConcordanceResult? p) => p is null ? null : new JsonObject
    {
        ["c_index_a"] = Number(p.CIndexA), ["c_index_b"] = Number(p.CIndexB), ["difference"] = Number(p.Difference),
        ["lower"] = Number(p.Lower), ["upper"] = Number(p.Upper), ["std_error"] = Number(p.StdError), ["p_value"] = Number(p.PValue),
        ["level"] = p.Level, ["resamples"] = p.Resamples, ["skipped"] = p.Skipped, ["seed"] = p.Seed,
        ["resampling_unit"] = p.ResamplingUnit, ["units"] = p.Units, ["scorings_a"] = p.ScoringsA, ["scorings_b"] = p.ScoringsB,
    };
}
