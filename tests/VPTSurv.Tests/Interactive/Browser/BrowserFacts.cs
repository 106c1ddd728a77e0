using Xunit;

namespace VPTSurv.Tests.Interactive.Browser;

/// <summary>A test that needs Chromium; skipped, saying how to install it, when there is none.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Missing =
        "Chromium not found (looked at VPTSURV_CHROMIUM and chromium, chromium-browser, google-chrome on PATH); install it with `apt-get install -y chromium` (.ci/run does).";

    public ChromiumFactAttribute()
    {
        if (ChromiumPage.FindExecutable() is null) Skip = Missing;
    }
}

/// <summary>
/// A test on notebooks that `.ci/notebooks` executed: needs Chromium and VPTSURV_EXECUTED_NOTEBOOKS (the folder of the
/// executed copies). `.ci/run` sets it after running the notebooks; skipped otherwise, saying so.
/// </summary>
public sealed class ExecutedNotebookFactAttribute : FactAttribute
{
    public const string Variable = "VPTSURV_EXECUTED_NOTEBOOKS";

    public ExecutedNotebookFactAttribute()
    {
        if (ChromiumPage.FindExecutable() is null) Skip = ChromiumFactAttribute.Missing;
        else if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"{Variable} is not set: run `bash .ci/notebooks` and set it to the folder of the executed notebooks (.ci/run does both).";
    }

    public static string Folder => Environment.GetEnvironmentVariable(Variable)!;
}
