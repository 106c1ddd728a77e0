using System.Text.Json.Nodes;
using VPTSurv.Cli.Commands;
using VPTSurv.Cli.Configuration;
using VPTSurv.Cli.Runs;
using VPTSurv.Cli.Terminal;
using VPTSurv.Decoders;
using VPTSurv.Training;
using Xunit;

namespace VPTSurv.Tests.Cli;

/// <summary>
/// `vptsurv train --resume` continues a run the CLI stopped (`--stop-after`), two-stage or end to end with any decoder,
/// exactly as if it had not stopped; a checkpoint of another decoder, method or preset, a missing or a corrupt
/// one is refused before anything is written, naming the file. In the collection that runs alone: the runs are built in
/// this process, and TorchSharp's module constructors draw from torch's global generator, so a test on another thread
/// drawing from it in the middle of a build would change that run's initial weights (seen once in CI).
/// </summary>
[Collection(nameof(Model.GlobalTorchRng))]
public sealed class TrainResumeCommandTests
{
    private static string[] Train(string method, string? decoder, string dir, string cache, params string[] more) =>
        ["train", "--method", method, .. decoder is null ? Array.Empty<string>() : ["--decoder", decoder], "--out", dir, "--cache", cache, .. CliRunner.SmallTrain, .. more];

    [Theory]
    [InlineData("two-stage", "vptsurv")]
    [InlineData("two-stage", "abmil")]
    [InlineData("two-stage", "patchgcn")]
    [InlineData("end-to-end", null)]
    [InlineData("end-to-end", "abmil")]
    public void Two_epochs_in_one_go_equal_one_epoch_stopped_then_resumed(string method, string? decoder)
    {
        var root = CliRunner.TempDir();
        string cache = Path.Combine(root, "cache"), whole = Path.Combine(root, "whole"), split = Path.Combine(root, "split");

        var (code, output) = CliRunner.Run(Train(method, decoder, whole, cache));
        Assert.True(code == ExitCodes.Success, output);

        (code, output) = CliRunner.Run(Train(method, decoder, split, cache, "--stop-after", "1"));
        Assert.True(code == ExitCodes.Success, output);
        Assert.Contains("--resume", output);
        var paused = TrainingCheckpoint.ReadMeta(Path.Combine(split, TrainCommand.Checkpoint));
        Assert.Equal(1, paused.Epoch);
        Assert.False(File.Exists(Path.Combine(split, "report.json"))); // a stopped run writes no result
        Assert.False(File.Exists(Path.Combine(split, "predictions.csv")));

        (code, output) = CliRunner.Run(Train(method, decoder, split, cache, "--resume"));
        Assert.True(code == ExitCodes.Success, output);

        Assert.Equal(History(whole), History(split));
        // Epoch 1 was not trained again: its record (wall time included) is the stopped run's, read from the checkpoint.
        var resumedEpoch1 = JsonNode.Parse(File.ReadAllText(Path.Combine(split, "report.json")))!["model"]!["history"]![0]!;
        Assert.Equal(Math.Round(paused.History[0].Seconds, 3), (double)resumedEpoch1["seconds"]!);
        // Risks and logits of every split, as written (CSV text): identical.
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "predictions.csv")), File.ReadAllText(Path.Combine(split, "predictions.csv")));
        Assert.Equal(2, TrainingCheckpoint.ReadMeta(Path.Combine(split, TrainCommand.Checkpoint)).Epoch);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, TrainCommand.Model)), File.ReadAllBytes(Path.Combine(split, TrainCommand.Model)));
    }

    [Fact]
    public void Resume_with_another_decoder_method_or_preset_is_refused_naming_the_checkpoint_and_changes_nothing()
    {
        var (dir, cache, checkpoint) = Stopped("two-stage", "abmil");
        var before = File.ReadAllBytes(checkpoint);

        var (code, output) = CliRunner.Run(Train("two-stage", "transmil", dir, cache, "--resume"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains(checkpoint, output);
        Assert.Contains("decoder 'abmil'", output);
        Assert.Contains("decoder 'transmil'", output);
        Assert.Contains("--decoder abmil", output);

        (code, output) = CliRunner.Run(Train("end-to-end", null, dir, cache, "--resume"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains(checkpoint, output);
        Assert.Contains("end-to-end", output);
        Assert.Contains("decoder 'abmil'", output);

        (code, output) = CliRunner.Run(Train("two-stage", "abmil", dir, cache, "--resume", "--epochs", "3"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains(checkpoint, output);
        Assert.Contains("different preset", output);

        Assert.Equal(before, File.ReadAllBytes(checkpoint));
        Assert.Equal([TrainCommand.Checkpoint], Directory.GetFiles(dir).Select(Path.GetFileName).Where(f => !f!.StartsWith('.')));
    }

    [Fact]
    public void End_to_end_with_a_baseline_decoder_trains_it_and_its_checkpoint_is_not_resumed_with_another_decoder()
    {
        var (dir, cache, checkpoint) = Stopped("end-to-end", "abmil");
        Assert.Equal("end-to-end/Abmil", TrainingCheckpoint.ReadMeta(checkpoint).Method);
        var before = File.ReadAllBytes(checkpoint);

        var (code, output) = CliRunner.Run(Train("end-to-end", null, dir, cache, "--resume"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains(checkpoint, output);
        Assert.Contains("an end-to-end run with decoder 'abmil'", output);
        Assert.Contains("--method end-to-end --decoder abmil", output);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));

        (code, output) = CliRunner.Run(Train("end-to-end", "abmil", dir, cache, "--resume"));
        Assert.True(code == ExitCodes.Success, output);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!;
        Assert.Contains("ABMIL", report.ToJsonString());
        using var model = ModelFile.Load(Path.Combine(dir, TrainCommand.Model));
        Assert.Equal(TrainedModel.EndToEnd, model.Method);
        Assert.IsType<Abmil>(model.BagDecoder);
    }

    [Fact]
    public void Resume_without_a_checkpoint_or_with_a_corrupt_one_is_refused_naming_the_file()
    {
        var root = CliRunner.TempDir();
        string cache = Path.Combine(root, "cache"), dir = Path.Combine(root, "run");
        var checkpoint = Path.Combine(dir, TrainCommand.Checkpoint);

        var (code, output) = CliRunner.Run(Train("two-stage", "abmil", dir, cache, "--resume"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains($"no checkpoint at '{checkpoint}'", output);

        Directory.CreateDirectory(dir);
        File.WriteAllText(checkpoint, "not a zip");
        (code, output) = CliRunner.Run(Train("two-stage", "abmil", dir, cache, "--resume"));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains(checkpoint, output);
        Assert.Contains("not a VPTSurv checkpoint", output);
        Assert.Equal("not a zip", File.ReadAllText(checkpoint));
    }

    [Fact]
    public void A_new_two_stage_run_does_not_replace_an_existing_checkpoint_without_force()
    {
        var root = CliRunner.TempDir();
        var checkpoint = Path.Combine(root, TrainCommand.Checkpoint);
        File.WriteAllText(checkpoint, "mine");
        var (code, output) = CliRunner.Run(Train("two-stage", "abmil", root, Path.Combine(root, "cache")));
        Assert.True(code == ExitCodes.BadInput, output);
        Assert.Contains(checkpoint, output);
        Assert.Equal("mine", File.ReadAllText(checkpoint));
    }

    [Fact]
    public void Every_decoder_name_maps_to_the_type_its_checkpoint_records()
    {
        foreach (var name in DecoderRegistry.BuiltInNames)
        {
            using var decoder = DecoderRegistry.Get(name).Build(Preset.Smoke);
            Assert.Equal(decoder.GetType(), DecoderRegistry.Get(name).Type);
            Assert.Equal(name, DecoderRegistry.OfTypeName(decoder.GetType().Name)?.Name);
        }
    }

    // A run of one epoch stopped by --stop-after: its folder, cache and checkpoint.
    private static (string Dir, string Cache, string Checkpoint) Stopped(string method, string decoder)
    {
        var root = CliRunner.TempDir();
        string cache = Path.Combine(root, "cache"), dir = Path.Combine(root, $"{method}-{decoder}");
        var (code, output) = CliRunner.Run(Train(method, decoder, dir, cache, "--stop-after", "1"));
        Assert.True(code == ExitCodes.Success, output);
        return (dir, cache, Path.Combine(dir, TrainCommand.Checkpoint));
    }

    // Per-epoch history of report.json without the wall times.
    private static string History(string dir)
    {
        var history = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!["model"]!["history"]!.AsArray();
        foreach (var epoch in history) epoch!.AsObject().Remove("seconds");
        Assert.Equal(2, history.Count);
        return history.ToJsonString();
    }
}
