using VPTSurv.Data;
using VPTSurv.Tests.Model;
using VPTSurv.Tests.Synthetic;
using VPTSurv.Tests.Training;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Architecture.Examples;

/// <summary>
/// docs/ARCHITECTURE.md cannot rot: every code block it shows is a region of compiled test code (between
/// "// doc:begin name" and "// doc:end"), quoted exactly, and each example runs here and does what the document says.
/// </summary>
[Collection(nameof(GlobalTorchRng))]
public class ArchitectureDocTests
{
    private static readonly (string File, string Region)[] Quoted =
    [
        ("tests/VPTSurv.Tests/Training/MeanPoolDecoder.cs", "mean-pool-decoder"),
        ("tests/VPTSurv.Tests/Architecture/Examples/ArchitectureExamples.cs", "new-decoder"),
        ("tests/VPTSurv.Tests/Architecture/Examples/ArchitectureExamples.cs", "prompt-sources"),
        ("tests/VPTSurv.Tests/Architecture/Examples/ArchitectureExamples.cs", "mean-colour-prompt"),
        ("tests/VPTSurv.Tests/Architecture/Examples/ArchitectureExamples.cs", "slide-reader"),
        ("tests/VPTSurv.Tests/Architecture/Examples/ArchitectureExamples.cs", "solid-slide"),
        ("tests/VPTSurv.Tests/Architecture/Examples/ArchitectureExamples.cs", "loss"),
    ];

    [Fact]
    public void The_document_quotes_every_example_region_exactly_and_shows_no_other_code()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root(), "docs", "ARCHITECTURE.md")).ReplaceLineEndings("\n");
        var blocks = CodeBlocks(doc);
        var regions = Quoted.Select(q => Region(File.ReadAllText(Path.Combine(RepoPaths.Root(), q.File)), q.Region)).ToList();
        foreach (var (region, (file, name)) in regions.Zip(Quoted))
            Assert.True(blocks.Contains(region), $"docs/ARCHITECTURE.md does not quote region '{name}' of {file} exactly:\n{region}");
        foreach (var block in blocks)
            Assert.True(regions.Contains(block), $"docs/ARCHITECTURE.md shows C# that no test compiles:\n{block}");
        Assert.Contains("docs/ARCHITECTURE.md", File.ReadAllText(Path.Combine(RepoPaths.Root(), "README.md")));
    }

    [Fact]
    public void The_new_decoder_example_trains_saves_reloads_and_predicts_the_test_split()
    {
        var cohort = PlantedCohort.Create(train: 4, val: 2, test: 3);
        var dir = Directory.CreateTempSubdirectory("vptsurv-arch-").FullName;
        try
        {
            var predictions = ArchitectureExamples.NewDecoder(cohort, new TrainerOptions { Source = PlantedCohort.Source(8) }, Path.Combine(dir, "m.safetensors"));
            Assert.Equal(cohort.SlidesIn(Split.Test).Select(s => s.SlideId), predictions.Select(p => p.SlideId));
            Assert.All(predictions, p => Assert.True(double.IsFinite(p.Risk)));
            Assert.Equal(1e-3, DecoderRegistry.Get("meanpool").TrainingPreset(Preset.Smoke).Training.LearningRate);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_other_examples_run_a_prompted_model_read_a_user_slide_and_take_a_step_on_a_user_loss()
    {
        // Risk is −Σ_k S_k over K = 4 bins: between −4 and 0.
        double risk = ArchitectureExamples.PromptSourcesOfAModel();
        Assert.InRange(risk, -4, 0);
        Assert.Equal(new byte[] { 180, 120, 60 }, ArchitectureExamples.SlideReader());
        double loss = ArchitectureExamples.CustomLoss();
        Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
    }

    private static List<string> CodeBlocks(string markdown)
    {
        var blocks = new List<string>();
        var parts = markdown.Split("```csharp\n");
        foreach (var part in parts.Skip(1))
            blocks.Add(part[..part.IndexOf("```", StringComparison.Ordinal)]);
        return blocks;
    }

    // The lines between the markers, with their common indentation removed, each ending in a newline.
    private static string Region(string source, string name)
    {
        var lines = source.ReplaceLineEndings("\n").Split('\n');
        int begin = Array.FindIndex(lines, l => l.Trim() == $"// doc:begin {name}");
        Assert.True(begin >= 0, $"no region '{name}'");
        int end = Array.FindIndex(lines, begin + 1, l => l.Trim() == "// doc:end");
        var body = lines[(begin + 1)..end];
        int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Concat(body.Select(l => (l.Length >= indent ? l[indent..] : l.TrimStart()) + "\n"));
    }
}
