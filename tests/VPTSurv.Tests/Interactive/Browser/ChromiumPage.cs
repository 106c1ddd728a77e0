using Microsoft.Playwright;

namespace VPTSurv.Tests.Interactive.Browser;

/// <summary>
/// Debian's Chromium (not Playwright's own download) driven by Playwright: opens an HTML file offline, records every
/// console error, uncaught exception and failed request, and screenshots the charts.
/// </summary>
internal sealed class ChromiumPage : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _errors = [];

    private ChromiumPage(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Console += (_, m) => { if (m.Type is "error" or "warning") lock (_errors) _errors.Add($"console {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => { lock (_errors) _errors.Add($"page error: {e}"); };
        page.RequestFailed += (_, r) => { lock (_errors) _errors.Add($"request failed: {r.Url} ({r.Failure})"); };
    }

    public IPage Page { get; }

    /// <summary>Console errors and warnings, uncaught exceptions and failed requests so far.</summary>
    public IReadOnlyList<string> Errors { get { lock (_errors) return _errors.ToArray(); } }

    /// <summary>The Chromium executable: VPTSURV_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH; null when none.</summary>
    public static string? FindExecutable()
    {
        if (Environment.GetEnvironmentVariable("VPTSURV_CHROMIUM") is { Length: > 0 } configured) return File.Exists(configured) ? configured : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => path.Select(dir => Path.Combine(dir, name))).FirstOrDefault(File.Exists);
    }

    public static async Task<ChromiumPage> OpenAsync(string htmlFile)
    {
        var executable = FindExecutable() ?? throw new InvalidOperationException(ChromiumFactAttribute.Missing);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 900 } });
        var chromium = new ChromiumPage(playwright, browser, page);
        await page.GotoAsync(new Uri(Path.GetFullPath(htmlFile)).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load, Timeout = 120_000 });
        return chromium;
    }

    /// <summary>Waits until <paramref name="count"/> charts have an SVG, or the timeout passes (the asserts then say what is missing).</summary>
    public async Task WaitForChartsAsync(int count, int timeoutMs = 30_000)
    {
        try
        {
            await Page.WaitForFunctionAsync($"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}", null,
                new() { Timeout = timeoutMs });
        }
        catch (TimeoutException) { }
    }

    /// <summary>Screenshots each drawn chart into <paramref name="folder"/>; returns the files.</summary>
    public async Task<IReadOnlyList<string>> ScreenshotChartsAsync(string folder, string stem)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        var plots = await Page.QuerySelectorAllAsync(".js-plotly-plot");
        for (int i = 0; i < plots.Count; i++)
        {
            var file = Path.Combine(folder, $"{stem}-chart{i + 1}.png");
            await plots[i].ScreenshotAsync(new() { Path = file });
            files.Add(file);
        }
        return files;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
