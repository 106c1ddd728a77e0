using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using VPTSurv.Charts.Notebook;

namespace VPTSurv.Interactive;

/// <summary>
/// How the kernel's charts get plotly.js: by default the first chart of the session embeds it (offline) and later
/// charts reuse it. Settable from a cell, e.g. <c>NotebookPlotly.Source = PlotlyJsSource.Cdn;</c>.
/// </summary>
/// <remarks>
/// Re-running the cell whose chart carried the library embeds it again: its new output replaces the old one, and a
/// saved or exported notebook would otherwise have no copy left. Clearing that cell in a live notebook leaves the
/// library on the page; a notebook saved with that output cleared needs <see cref="PlotlyJsSource.EmbedEvery"/>
/// (the charts then say so in place of the plot).
/// </remarks>
public static class NotebookPlotly
{
    private static readonly Lock Gate = new();
    private static PlotlyJsSource _source = PlotlyJsSource.EmbedOnce;
    private static bool _sent;
    private static string? _carrierCode;
    private static object? _carrierCommand;

    /// <summary>Where charts get plotly.js from; changing it starts over (the next chart embeds the library again).</summary>
    public static PlotlyJsSource Source
    {
        get { lock (Gate) return _source; }
        set { lock (Gate) { _source = value; ResetLocked(); } }
    }

    /// <summary>Makes the next chart embed plotly.js again (e.g. after clearing the output that carried it).</summary>
    public static void Reset()
    {
        lock (Gate) ResetLocked();
    }

    /// <summary>The output HTML of a Plotly figure, embedding plotly.js when this output has to bring it.</summary>
    /// <param name="figureJson">The figure as Plotly JSON (data, layout).</param>
    public static string Html(string figureJson)
    {
        var command = KernelInvocationContext.Current?.Command;
        return PlotlyNotebookHtml.Fragment(figureJson, ShouldEmbed(command, (command as SubmitCode)?.Code), Source);
    }

    /// <summary>Whether the output of <paramref name="command"/> (running <paramref name="code"/>) embeds the library.</summary>
    internal static bool ShouldEmbed(object? command, string? code)
    {
        lock (Gate)
        {
            switch (_source)
            {
                case PlotlyJsSource.EmbedEvery: return true;
                case PlotlyJsSource.Cdn: return false;
            }
            bool embed = !_sent
                // the carrying cell run again (a new command with the same code): its old output is being replaced
                || (code is not null && code == _carrierCode && !ReferenceEquals(command, _carrierCommand));
            if (embed)
            {
                _sent = true;
                _carrierCode = code;
                _carrierCommand = command;
            }
            return embed;
        }
    }

    private static void ResetLocked()
    {
        _sent = false;
        _carrierCode = null;
        _carrierCommand = null;
    }
}
