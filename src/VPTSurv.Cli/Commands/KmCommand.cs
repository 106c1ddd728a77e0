using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Charts;
using VPTSurv.Cli.Output;
using VPTSurv.Cli.Terminal;
using VPTSurv.Data;
using VPTSurv.Evaluation;
using VPTSurv.Runtime;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// A Kaplan–Meier chart (PNG and offline HTML) with the log-rank test, from a predictions CSV (risk groups cut at the
/// training median risk, or at --threshold) or from a manifest (patients grouped by split, stain or a covariate cut
/// at its median).
/// </summary>
public sealed class KmCommand(IAnsiConsole console) : Command<KmCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<CSV>")]
        [Description("A predictions CSV (vptsurv train/evaluate/demo) or a cohort manifest.")]
        public string Input { get; init; } = "";

        [CommandOption("--split <SPLIT>")]
        [Description("Predictions: the split to chart (default test).")]
        public string Split { get; init; } = "test";

        [CommandOption("--threshold <RISK>")]
        [Description("Predictions: the risk cut; default the median risk of the file's train rows.")]
        public double? Threshold { get; init; }

        [CommandOption("--group-by <COLUMN>")]
        [Description("Manifest: split (default), stain, or a covariate column cov_NAME (cut at its median).")]
        public string GroupBy { get; init; } = "split";

        [CommandOption("--title <TEXT>")]
        public string? Title { get; init; }

        [CommandOption("--time-label <TEXT>")]
        [Description("Label of the time axis (default 'Time (months)').")]
        public string TimeLabel { get; init; } = "Time (months)";

        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder (default out/km): km.png, km.html, km.json.")]
        public string Out { get; init; } = Path.Combine("out", "km");

        [CommandOption("--force")]
        public bool Force { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Input)) throw new CliInputException($"Input '{settings.Input}' does not exist; give a predictions CSV or a manifest.");
        using var output = new OutputFolder(settings.Out, settings.Force);
        output.Plan("km.png", "km.html", "km.json");
        var header = File.ReadLines(settings.Input).FirstOrDefault()?.Split(',').Select(h => h.Trim()).ToArray() ?? [];
        KaplanMeierChart chart;
        JsonObject info;
        if (header.Contains("risk")) (chart, info) = FromPredictions(settings);
        else if (header.Contains("patient_id")) (chart, info) = FromManifest(settings);
        else throw new CliInputException($"'{settings.Input}' line 1: expected a predictions header (slide_id, patient_id, split, time, event, risk, …) or a manifest header (patient_id, slide_id, source, time, event, …).");

        chart.SavePng(output["km.png"], output.Force);
        chart.SaveHtml(output["km.html"], offline: true, overwrite: output.Force);
        info["groups"] = new JsonArray([.. chart.Groups.Select(g => (JsonNode)new JsonObject
        {
            ["label"] = g.Label, ["n"] = g.Count, ["events"] = g.EventCount, ["median_time"] = g.MedianTime,
        })]);
        info["logrank"] = chart.LogRank is { } lr ? new JsonObject { ["chi_square"] = lr.ChiSquare, ["df"] = lr.DegreesOfFreedom, ["p"] = lr.PValue } : null;
        info["hazard_ratio"] = chart.HazardRatio is { } hr ? new JsonObject { ["ratio"] = hr.Ratio, ["lower"] = hr.Lower, ["upper"] = hr.Upper, ["comparison"] = hr.Comparison } : null;
        AtomicFile.WriteAllText(output["km.json"], info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), output.Force);
        foreach (var g in chart.Groups) console.MarkupLine(Markup.Escape(KaplanMeierChart.LegendText(g)));
        foreach (var line in chart.StatisticsLines()) console.MarkupLine(Markup.Escape(line));
        console.MarkupLine($"Wrote {Markup.Escape(output.Root)}: km.png, km.html, km.json.");
        return ExitCodes.Success;
    }

    private sealed record Row(string Split, double Time, bool Event, double Risk);

    private (KaplanMeierChart, JsonObject) FromPredictions(Settings s)
    {
        if (!SplitNames.TryParse(s.Split, out _)) throw new CliInputException($"--split: '{s.Split}' is not train, val or test.");
        var rows = new List<Row>();
        using (var reader = new StreamReader(s.Input))
        using (var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim }))
        {
            csv.Read();
            csv.ReadHeader();
            while (csv.Read())
            {
                int line = csv.Parser.RawRow;
                string Field(string name) => csv.GetField(name) ?? throw new CliInputException($"'{s.Input}' line {line}: column '{name}' is missing.");
                double Number(string name) => double.TryParse(Field(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                    ? v : throw new CliInputException($"'{s.Input}' line {line}, column '{name}': '{Field(name)}' is not a finite number.");
                double time = Number("time");
                if (!(time > 0)) throw new CliInputException($"'{s.Input}' line {line}, column 'time': expected a time > 0, got {time}.");
                bool ev = Field("event") switch
                {
                    "1" => true, "0" => false,
                    var e => throw new CliInputException($"'{s.Input}' line {line}, column 'event': expected 0 or 1, got '{e}'."),
                };
                rows.Add(new Row(Field("split"), time, ev, Number("risk")));
            }
        }
        var chosen = rows.Where(r => r.Split == s.Split).ToList();
        if (chosen.Count == 0) throw new CliInputException($"'{s.Input}' has no row in the {s.Split} split.");
        double threshold = s.Threshold ?? (rows.Any(r => r.Split == "train")
            ? RiskGroups.MedianCut(rows.Where(r => r.Split == "train").Select(r => r.Risk))
            : throw new CliInputException($"'{s.Input}' has no train rows to take the median risk from; give the cut with --threshold."));
        var title = s.Title ?? $"{Path.GetFileNameWithoutExtension(s.Input)}: {s.Split} risk groups (cut {threshold:G4})";
        var chart = RiskGroupChart.Create(chosen.Select(r => r.Time).ToArray(), chosen.Select(r => r.Event).ToArray(),
            chosen.Select(r => r.Risk).ToArray(), threshold, title, s.TimeLabel);
        return (chart, new JsonObject { ["input"] = s.Input, ["split"] = s.Split, ["threshold"] = threshold });
    }

    private (KaplanMeierChart, JsonObject) FromManifest(Settings s)
    {
        var cohort = ManifestReader.Read(s.Input, checkFiles: false);
        var patients = cohort.Patients;
        string[] group;
        JsonObject info = new() { ["input"] = s.Input, ["group_by"] = s.GroupBy };
        if (s.GroupBy == "split")
            group = [.. patients.Select(p => p.Split?.ToManifest() ?? "none")];
        else if (s.GroupBy == "stain")
            group = [.. patients.Select(p => string.Join("+", p.Slides.Select(x => x.Stain).Distinct().Order()))];
        else if (s.GroupBy.StartsWith("cov_", StringComparison.Ordinal) && cohort.CovariateNames.Contains(s.GroupBy[4..]))
        {
            var name = s.GroupBy[4..];
            var values = patients.Select(p => p.Covariates[name]).ToArray();
            var finite = values.Where(double.IsFinite).Order().ToArray();
            if (finite.Length == 0) throw new CliInputException($"Manifest '{s.Input}': column '{s.GroupBy}' has no value.");
            double median = MathNet.Numerics.Statistics.Statistics.QuantileCustom(finite, 0.5, MathNet.Numerics.Statistics.QuantileDefinition.R7);
            group = [.. values.Select(v => !double.IsFinite(v) ? "missing" : v > median ? $"{name} > {median:G4}" : $"{name} ≤ {median:G4}")];
            info["median"] = median;
        }
        else
            throw new CliInputException($"--group-by: '{s.GroupBy}' is not split, stain or a covariate column of '{s.Input}' ({string.Join(", ", cohort.CovariateNames.Select(c => "cov_" + c))}).");
        var order = group.Distinct().Order(StringComparer.Ordinal).ToArray();
        var chart = KaplanMeierChart.FromData(patients.Select(p => p.Time).ToArray(), patients.Select(p => p.EventObserved).ToArray(), group, order,
            KaplanMeierChartOptions.Default with { Title = s.Title ?? $"{cohort.Name}: patients by {s.GroupBy}", TimeLabel = s.TimeLabel });
        return (chart, info);
    }
}
