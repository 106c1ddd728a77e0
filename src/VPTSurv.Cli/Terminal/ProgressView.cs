using Spectre.Console;
using VPTSurv.Training;

namespace VPTSurv.Cli.Terminal;

/// <summary>
/// Spectre.Console progress bars fed by the library's <see cref="TrainingProgress"/> events: one bar per phase of a
/// run (tile pools, feature extraction, training), labelled with the run's name, loss, validation C, tiles/s and ETA.
/// </summary>
public sealed class ProgressView
{
    private readonly ProgressContext _context;
    private readonly CancellationToken _cancel;

    private ProgressView(ProgressContext context, CancellationToken cancel)
    {
        _context = context;
        _cancel = cancel;
    }

    /// <summary>Runs <paramref name="work"/> with live progress bars on <paramref name="console"/>.</summary>
    /// <remarks>
    /// Ctrl+C (<paramref name="cancel"/>) also ends the work at its next progress event, so phases of the library
    /// that take no token (feature extraction) stop at the next slide rather than at their end.
    /// </remarks>
    public static T Run<T>(IAnsiConsole console, Func<ProgressView, T> work, CancellationToken cancel = default) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new ProgressView(ctx, cancel)));

    /// <summary>A progress sink for one run called <paramref name="run"/> (e.g. "end-to-end").</summary>
    public IProgress<TrainingProgress> For(string run) => new Sink(_context, run, _cancel);

    /// <summary>A plain bar for counted work (slides tiled, features written).</summary>
    public ProgressTask Task(string description, double total) => _context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));

    private sealed class Sink(ProgressContext context, string run, CancellationToken cancel) : IProgress<TrainingProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(TrainingProgress p)
        {
            cancel.ThrowIfCancellationRequested();
            lock (_tasks)
            {
                switch (p.Phase)
                {
                    case "tiles":
                    case "extract":
                    {
                        var task = TaskFor(p.Phase, p.Phase == "tiles" ? "tile pool" : "features", p.Steps);
                        task.MaxValue = Math.Max(1, p.Steps);
                        task.Value = p.Step;
                        break;
                    }
                    case "slides": // a sharded job's slides (tile, extract)
                    {
                        var task = TaskFor(p.Phase, "slides", p.Steps);
                        task.MaxValue = Math.Max(1, p.Steps);
                        task.Value = p.Step;
                        if (double.IsFinite(p.TilesPerSecond) && p.TilesPerSecond > 0) task.Description = Markup.Escape($"{run}: slides, {p.TilesPerSecond:F0} tiles/s");
                        break;
                    }
                    case "train":
                    case "validate":
                    {
                        double total = Math.Max(1, (double)p.Epochs * p.Steps);
                        var task = TaskFor("train", "training", total);
                        task.MaxValue = total;
                        task.Value = (p.Epoch - 1) * (double)p.Steps + p.Step;
                        var loss = double.IsFinite(p.Loss) ? $" loss {p.Loss:F3}" : "";
                        var val = p.ValidationC is { } c && double.IsFinite(c) ? $" val C {c:F3}" : "";
                        var speed = double.IsFinite(p.TilesPerSecond) && p.TilesPerSecond > 0 ? $" {p.TilesPerSecond:F0} tiles/s" : "";
                        task.Description = Markup.Escape($"{run}: epoch {p.Epoch}/{p.Epochs}{loss}{val}{speed}");
                        break;
                    }
                    case "done":
                        foreach (var t in _tasks.Values)
                        {
                            t.Value = t.MaxValue;
                            t.StopTask();
                        }
                        break;
                }
            }
        }

        private ProgressTask TaskFor(string key, string label, double total)
        {
            if (!_tasks.TryGetValue(key, out var task))
            {
                foreach (var other in _tasks.Values.Where(t => !t.IsFinished))
                {
                    other.Value = other.MaxValue;
                    other.StopTask();
                }
                task = context.AddTask(Markup.Escape($"{run}: {label}"), maxValue: Math.Max(1, total));
                _tasks[key] = task;
            }
            return task;
        }
    }
}
