using VPTSurv.Survival;

namespace VPTSurv.Interactive;

/// <summary>HTML of the time-dependent metrics: cumulative/dynamic AUC and the Brier score with its integral.</summary>
public static class AccuracyHtml
{
    /// <summary>AUC(t) per evaluation time and their mean.</summary>
    public static string Auc(TimeDependentAucResult auc)
    {
        ArgumentNullException.ThrowIfNull(auc);
        var table = new HtmlTable(["time", "AUC(t)"], $"Time-dependent AUC (cumulative/dynamic, IPCW): mean {Fmt.N(auc.MeanAuc, 4)}");
        for (int k = 0; k < auc.Times.Length; k++) table.Row(Fmt.N(auc.Times[k]), Fmt.N(auc.Auc[k], 4));
        return table.ToString();
    }

    /// <summary>The integrated Brier score and the Brier score at (up to ten of) its times.</summary>
    public static string Brier(BrierScoreResult brier)
    {
        ArgumentNullException.ThrowIfNull(brier);
        var table = new HtmlTable(["time", "Brier score"], $"Brier score (IPCW): integrated {Fmt.N(brier.Integrated, 4)} over {Fmt.N(brier.Times.FirstOrDefault())} – {Fmt.N(brier.Times.LastOrDefault())}");
        foreach (var k in Fmt.Spread(brier.Times.Length, 10)) table.Row(Fmt.N(brier.Times[k]), Fmt.N(brier.Score[k], 4));
        return table.ToString();
    }
}
