using Microsoft.FSharp.Core;
using Plotly.NET;
using VPTSurv.Charts.Runtime;
using VPTSurv.Runtime;
using VPTSurv.Training;

namespace VPTSurv.Charts;

/// <summary>
/// The training loss and the validation C-index per epoch (two y-axes), with the best epoch marked: how a run went.
/// Interactive HTML (Plotly.NET; shown inline by the notebook extension).
/// </summary>
public sealed class TrainingHistoryChart
{
    private TrainingHistoryChart(IReadOnlyList<EpochRecord> history, string title, int? bestEpoch)
    {
        History = history;
        Title = title;
        BestEpoch = bestEpoch;
    }

    /// <summary>The epochs, in order.</summary>
    public IReadOnlyList<EpochRecord> History { get; }

    /// <summary>The chart title.</summary>
    public string Title { get; }

    /// <summary>The epoch marked as best (the one whose weights were kept), if any.</summary>
    public int? BestEpoch { get; }

    /// <summary>A chart of <paramref name="history"/>.</summary>
    /// <exception cref="ArgumentException">When there is no epoch.</exception>
    public static TrainingHistoryChart From(IReadOnlyList<EpochRecord> history, string title = "Training history", int? bestEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("The training history has no epoch to draw.", nameof(history));
        return new TrainingHistoryChart(history.ToArray(), title, bestEpoch);
    }

    /// <summary>A chart of a finished run's history, its best epoch marked.</summary>
    public static TrainingHistoryChart From(TrainingResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return From(run.History, $"Training history ({run.Method})", run.BestEpoch);
    }

    /// <summary>The Plotly figure as JSON (data, layout).</summary>
    public string ToPlotlyJson() => GenericChart.toFigureJson(Build());

    /// <summary>A complete HTML document; with <paramref name="offline"/> plotly.js is embedded.</summary>
    public string ToHtml(bool offline = true)
    {
        var display = DisplayOptions.init(FSharpOption<string>.Some(Title), null, null, null, null, null,
            offline ? FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full) : null);
        return GenericChart.toEmbeddedHTML(GenericChart.addDisplayOptions(display, Build()));
    }

    /// <summary>Writes <see cref="ToHtml"/> atomically; an existing file is an error unless <paramref name="overwrite"/>.</summary>
    public void SaveHtml(string path, bool offline = true, bool overwrite = false) => AtomicFile.WriteAllText(path, ToHtml(offline), overwrite);

    private GenericChart Build()
    {
        var epochs = History.Select(e => (double)e.Epoch).ToArray();
        var traces = new List<Trace>
        {
            Line(epochs, History.Select(e => e.TrainLoss).ToArray(), "training loss", "#0072B2", "y"),
            Line(epochs, History.Select(e => e.ValidationC).ToArray(), "validation C-index", "#D55E00", "y2"),
        };
        if (BestEpoch is { } best && History.FirstOrDefault(e => e.Epoch == best) is { } b)
        {
            var marker = new Trace2D("scatter");
            foreach (var (k, v) in new Dictionary<string, object>
                     {
                         ["x"] = new[] { (double)b.Epoch }, ["y"] = new[] { b.ValidationC }, ["yaxis"] = "y2", ["mode"] = "markers",
                         ["name"] = $"best epoch ({b.Epoch})",
                         ["marker"] = new Dictionary<string, object> { ["size"] = 12, ["symbol"] = "star", ["color"] = "#D55E00" },
                     })
                marker.SetProperty(k, v);
            traces.Add(marker);
        }
        var layout = new Layout();
        layout.SetProperty("title", new Dictionary<string, object> { ["text"] = Title, ["x"] = 0.5 });
        layout.SetProperty("width", 800);
        layout.SetProperty("height", 420);
        layout.SetProperty("template", "none");
        layout.SetProperty("xaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, object> { ["text"] = "epoch" }, ["dtick"] = 1 });
        layout.SetProperty("yaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, object> { ["text"] = "training loss" } });
        layout.SetProperty("yaxis2", new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = "validation C-index" }, ["overlaying"] = "y", ["side"] = "right",
            ["range"] = new[] { 0.0, 1.02 }, // a C-index lies in [0, 1]; a fixed scale shows how far from 0.5 it is
        });
        layout.SetProperty("legend", new Dictionary<string, object> { ["orientation"] = "h", ["y"] = -0.2 });
        return GenericChart.addLayout(layout, GenericChart.ofTraceObjects(false, traces));
    }

    private static Trace Line(double[] x, double[] y, string name, string color, string axis)
    {
        var trace = new Trace2D("scatter");
        foreach (var (k, v) in new Dictionary<string, object>
                 {
                     ["x"] = x, ["y"] = y.Select(v => double.IsFinite(v) ? (object)v : null!).ToArray(), ["yaxis"] = axis,
                     ["mode"] = "lines+markers", ["name"] = name, ["line"] = new Dictionary<string, object> { ["color"] = color },
                 })
            trace.SetProperty(k, v);
        return trace;
    }
}
