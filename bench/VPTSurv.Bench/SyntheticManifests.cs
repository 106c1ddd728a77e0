using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Slides.Synthetic;

namespace VPTSurv.Bench;

/// <summary>
/// Regenerates data-manifests/synthetic-*.csv from the seeds (not a timing; run from the repository root:
/// <c>dotnet run -c Release --project bench/VPTSurv.Bench -- synthetic-manifests</c>). The test
/// SyntheticCohortTests.Committed_manifests_regenerate_bit_identically guards that the committed files match.
/// </summary>
internal static class SyntheticManifests
{
    [Benchmark("synthetic-manifests")]
    public static JsonNode Run()
    {
        var written = SyntheticCohorts.WriteManifests("data-manifests", overwrite: true);
        return new JsonObject { ["written"] = new JsonArray([.. written.Select(w => (JsonNode)w)]) };
    }
}
