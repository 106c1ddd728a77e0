using System.Reflection;
using Plotly.NET;

namespace VPTSurv.Charts.Notebook;

/// <summary>The plotly.js that the Plotly.NET package ships as a resource: its text, version and CDN address.</summary>
public static class PlotlyJsLibrary
{
    private static readonly Lazy<(string Name, string Text)> Resource = new(Load);

    /// <summary>The plotly.js version, e.g. "2.28.0".</summary>
    public static string Version => Globals.PLOTLYJS_VERSION;

    /// <summary>The minified library (about 3.6 MB of JavaScript).</summary>
    public static string Text => Resource.Value.Text;

    /// <summary>The CDN address of the same version.</summary>
    public static string CdnUrl => $"https://cdn.plot.ly/plotly-{Version}.min.js";

    private static (string, string) Load()
    {
        var assembly = typeof(GenericChart).Assembly;
        var suffix = $"plotly-{Version}.min.js";
        var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"{assembly.GetName().Name} {assembly.GetName().Version} has no resource ending in '{suffix}'; its resources are: {string.Join(", ", assembly.GetManifestResourceNames())}.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return (name, reader.ReadToEnd());
    }
}
