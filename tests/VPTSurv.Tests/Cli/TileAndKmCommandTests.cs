using System.Text.Json.Nodes;
using VPTSurv.Slides;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>`vptsurv tile` and `vptsurv km` from a manifest (no training).</summary>
public sealed class TileAndKmCommandTests
{
    [Fact]
    public void Tile_writes_coordinates_and_a_qc_thumbnail_per_slide_and_a_summary_row_each()
    {
        var out_ = Path.Combine(CliRunner.TempDir(), "tiles");
        var (code, output) = CliRunner.Run("tile", "--preset", "smoke", "--limit", "2", "--out", out_);
        Assert.True(code == 0, output);
        var rows = File.ReadAllLines(Path.Combine(out_, "tiles.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2, rows.Count);
        foreach (var r in rows)
        {
            var grid = TileGrid.Load(Path.Combine(out_, $"{r[0]}.tiles.json"));
            Assert.Equal(int.Parse(r[1]), grid.Count); // the summary counts the tiles the file holds
            Assert.True(grid.Count > 0);
            Assert.Equal(32, grid.TileSize);
            Assert.True(new FileInfo(Path.Combine(out_, $"{r[0]}.qc.png")).Length > 0);
        }
    }

    [Fact]
    public void Km_of_a_manifest_by_split_counts_every_patient_once()
    {
        var manifest = Path.Combine(CliRunner.TempDir(), "cohort.csv"); // slide files need not exist to chart outcomes
        File.WriteAllText(manifest, """
            patient_id,slide_id,source,time,event,split,stain
            P1,S1,slides/s1.svs,5,1,train,CD4
            P1,S1b,slides/s2.svs,5,1,train,CD4
            P2,S2,slides/s3.svs,8,0,train,CD4
            P3,S3,slides/s4.svs,2,1,test,CD4
            P4,S4,slides/s5.svs,9,1,test,CD4
            P5,S5,slides/s6.svs,4,0,test,CD4
            """);
        var out_ = Path.Combine(Path.GetDirectoryName(manifest)!, "km");
        var (code, output) = CliRunner.Run("km", manifest, "--group-by", "split", "--out", out_);
        Assert.True(code == 0, output);
        var km = JsonNode.Parse(File.ReadAllText(Path.Combine(out_, "km.json")))!;
        var groups = km["groups"]!.AsArray().ToDictionary(g => (string)g!["label"]!, g => ((int)g!["n"]!, (int)g!["events"]!));
        Assert.Equal((2, 1), groups["train"]); // P1's two slides are one patient
        Assert.Equal((3, 2), groups["test"]);
        Assert.NotNull(km["logrank"]);
    }
}
