using VPTSurv.Survival;

namespace VPTSurv.Interactive;

/// <summary>HTML of the C-index results (Harrell's with its bootstrap interval, Uno's), as the notebook formatters show them.</summary>
public static class ConcordanceHtml
{
    /// <summary>Harrell's C with its bootstrap percentile interval, standard error and resamples.</summary>
    public static string Interval(BootstrapInterval c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var level = Fmt.Percent(c.Level);
        return new HtmlTable(["C-index", $"{level} CI", "std error", "resamples", "skipped"], "Harrell's C (bootstrap percentile interval)")
            .Row(Fmt.N(c.Estimate, 4), $"{Fmt.N(c.Lower, 4)} – {Fmt.N(c.Upper, 4)}", Fmt.N(c.StdError, 4), Fmt.I(c.Resamples), Fmt.I(c.Skipped))
            .ToString();
    }

    /// <summary>Uno's C (censoring-weighted) with its truncation time and weighted pair sums.</summary>
    public static string Uno(UnoConcordanceResult c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new HtmlTable(["Uno's C", "τ (truncation)", "concordant (weighted)", "discordant (weighted)", "tied risk (weighted)"], "Uno's C (IPCW)")
            .Row(Fmt.N(c.CIndex, 4), Fmt.N(c.Tau), Fmt.N(c.Concordant), Fmt.N(c.Discordant), Fmt.N(c.TiedRisk))
            .ToString();
    }
}
