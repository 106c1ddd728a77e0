using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Architecture;

/// <summary>The library's namespaces depend on each other in one direction, the paper's data path, read from the compiled assembly.</summary>
public class NamespaceLayerTests
{
    /// <summary>
    /// Lowest first. Runtime (native backend, atomic files, random streams) is below everything; the encoders, prompts
    /// and decoders form one layer (the prompts wrap an encoder; the decoders share its attention module); pretraining
    /// uses the training loop; evaluation reads everything that trains.
    /// </summary>
    public static readonly NamespaceLayers Library = new([
        ["VPTSurv.Runtime"],
        ["VPTSurv.Survival"],
        ["VPTSurv.Slides"],
        ["VPTSurv.Data"],
        ["VPTSurv.Encoders", "VPTSurv.Prompts", "VPTSurv.Decoders"],
        ["VPTSurv.Model"],
        ["VPTSurv.Training"],
        ["VPTSurv.Pretraining"],
        ["VPTSurv.Evaluation"],
    ]);

    [Fact]
    public void Each_namespace_of_the_library_uses_only_its_own_and_earlier_layers_without_cycles()
    {
        var assembly = typeof(KaplanMeier).Assembly;
        var references = NamespaceGraph.References(assembly)
            .Where(r => r.From.Namespace!.StartsWith("VPTSurv", StringComparison.Ordinal) && r.To.Namespace!.StartsWith("VPTSurv", StringComparison.Ordinal));
        var edges = NamespaceGraph.Edges(references);
        Assert.True(edges.Count > 30, $"only {edges.Count} namespace edges found; the reader misses references");
        var problems = Library.Violations(edges);
        Assert.True(problems.Count == 0, "Namespace order broken (move the type to the layer it belongs to):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_checker_finds_a_planted_upward_use_a_cycle_and_a_namespace_of_no_layer()
    {
        var assembly = typeof(NamespaceLayerTests).Assembly;
        var planted = assembly.GetTypes().Where(t => t.Namespace?.StartsWith("VPTSurv.Tests.Architecture.Planted", StringComparison.Ordinal) == true);
        var edges = NamespaceGraph.Edges(NamespaceGraph.References(assembly, planted));
        var layers = new NamespaceLayers([["VPTSurv.Tests.Architecture.Planted.Low"], ["VPTSurv.Tests.Architecture.Planted.High"]]);

        var problems = layers.Violations(edges);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("VPTSurv.Tests.Architecture.Planted.Low (layer 0) uses the later VPTSurv.Tests.Architecture.Planted.High (layer 1)", StringComparison.Ordinal)
            && p.Contains("Ask body", StringComparison.Ordinal));
        Assert.Contains("namespaces depend on each other in a cycle: VPTSurv.Tests.Architecture.Planted.High <-> VPTSurv.Tests.Architecture.Planted.Low", problems);
        Assert.Contains("namespace VPTSurv.Tests.Architecture.Planted.Stray is in no layer", problems);
        // In the other order the upward use is High's property of type Low (seen in a signature, not a body).
        var reversed = new NamespaceLayers([["VPTSurv.Tests.Architecture.Planted.High"], ["VPTSurv.Tests.Architecture.Planted.Low"]]);
        Assert.Contains(reversed.Violations(edges), p => p.StartsWith("VPTSurv.Tests.Architecture.Planted.High (layer 0) uses the later VPTSurv.Tests.Architecture.Planted.Low (layer 1)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_namespace_belongs_to_the_layer_of_its_closest_enclosing_root()
    {
        Assert.Equal(2, Library.LayerOf("VPTSurv.Slides.Synthetic"));
        Assert.Equal(4, Library.LayerOf("VPTSurv.Decoders.HvtSurv"));
        Assert.Null(Library.LayerOf("VPTSurv.SlidesExtra"));
        Assert.Null(Library.LayerOf("Other"));
    }
}
