using VPTSurv.Charts;
using VPTSurv.Training;

namespace VPTSurv.Interactive;

/// <summary>HTML of training runs: the epoch table and the loss / validation C chart.</summary>
public static class TrainingHtml
{
    /// <summary>A finished run: method, best epoch and its validation C, whether it completed, then its history.</summary>
    public static string Result(TrainingResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var summary = new HtmlTable(["method", "preset", "epochs run", "best epoch", "best validation C", "completed"])
            .Row(run.Method, run.Preset.Name, Fmt.I(run.History.Count), Fmt.I(run.BestEpoch), Fmt.N(run.BestValidationC, 4), run.Completed ? "yes" : "no (stopped early)");
        return $"<div class=\"vptsurv-training\">{summary}{(run.History.Count > 0 ? History(run.History, run.BestEpoch, run.Method) : "")}</div>";
    }

    /// <summary>The epochs as a table (loss, validation C, learning rate, seconds) and a chart.</summary>
    public static string History(IReadOnlyList<EpochRecord> history, int? bestEpoch = null, string? method = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var table = new HtmlTable(["epoch", "training loss", "validation C", "learning rate", "seconds"], "Training history" + (method is null ? "" : $" ({method})"));
        foreach (var e in history)
            table.Row(Fmt.I(e.Epoch), Fmt.N(e.TrainLoss, 4), Fmt.N(e.ValidationC, 4), e.LearningRate.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), Fmt.N(e.Seconds, 1));
        var chart = history.Count == 0 ? "" : NotebookPlotly.Html(TrainingHistoryChart.From(history, "Training history" + (method is null ? "" : $" ({method})"), bestEpoch).ToPlotlyJson());
        return $"<div class=\"vptsurv-history\">{chart}{table}</div>";
    }
}
