namespace VPTSurv.Survival;

/// <summary>
/// Uno's concordance (Uno et al. 2011): Harrell's pairs, each weighted by 1/G(t-)^2 at the earlier death time t,
/// where G is the Kaplan–Meier estimate of the censoring distribution; deaths after the truncation time tau are
/// not used. This is R's <c>concordance(..., timewt = "n/G2", ymax = tau)</c> when G is estimated on the evaluated
/// data (the default); pass training targets to estimate G there instead (as scikit-survival's
/// <c>concordance_index_ipcw</c>).
/// </summary>
/// <param name="Tau">Truncation time: only deaths at times &lt;= Tau are compared (null: no truncation).</param>
/// <param name="Bootstrap">Bootstrap settings of a percentile interval (null: none). G is re-estimated on each
/// resample unless a fixed censoring reference is given.</param>
/// <param name="Level">Confidence level of the bootstrap interval.</param>
public sealed record UnoConcordance(double? Tau = null, BootstrapSettings? Bootstrap = null, double Level = 0.95)
{
    /// <summary>Uno's C of <paramref name="risk"/> (higher = worse) against <paramref name="targets"/>.</summary>
    /// <param name="targets">Outcomes of the evaluated subjects.</param>
    /// <param name="risk">One risk score per subject.</param>
    /// <param name="censoringFrom">Targets on which G is estimated; null = <paramref name="targets"/> (R's choice).</param>
    /// <exception cref="NoComparablePairsException">No comparable pair with a death at or before tau.</exception>
    /// <exception cref="ArgumentException">Bad risk (index named) or G = 0 before a used death time.</exception>
    public UnoConcordanceResult Fit(SurvivalTargets targets, IReadOnlyList<double> risk, SurvivalTargets? censoringFrom = null)
    {
        var result = Point(targets, risk, censoringFrom);
        if (Bootstrap is not { } b) return result;
        SurvivalInput.CheckLevel(Level);
        var r = SurvivalInput.ToArray(risk);
        var interval = b.Intervals([result.CIndex], targets.Count, Level,
            idx => [Point(targets.Subset(idx), idx.Select(i => r[i]).ToArray(), censoringFrom).CIndex])[0];
        return result with { Bootstrap = interval };
    }

    private UnoConcordanceResult Point(SurvivalTargets targets, IReadOnlyList<double> risk, SurvivalTargets? censoringFrom)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(risk);
        SurvivalInput.CheckSameLength(targets.Count, risk.Count, nameof(risk));
        SurvivalInput.CheckFinite(risk, nameof(risk));
        if (Tau is { } tau0 && !(tau0 > 0 && double.IsFinite(tau0)))
            throw new ArgumentOutOfRangeException(nameof(Tau), tau0, "tau must be finite and > 0.");
        var reference = censoringFrom ?? targets;
        var g = new CensoringDistribution(reference.Time, reference.EventObserved);
        double tau = Tau ?? double.PositiveInfinity;
        double Weight(double t)
        {
            if (t > tau) return 0;
            double gt = g.Before(t);
            if (gt <= 0)
                throw new ArgumentException(
                    $"Uno's C: the censoring survival G is 0 just before death time {t}, beyond the follow-up of the " +
                    "censoring reference; choose a truncation time tau below it.", nameof(censoringFrom));
            return 1 / (gt * gt);
        }
        var s = Concordance.Sweep(targets.Time, targets.EventObserved, SurvivalInput.ToArray(risk), Weight);
        double total = s.WeightedConcordant + s.WeightedDiscordant + s.WeightedTiedRisk;
        if (!(total > 0))
            throw new NoComparablePairsException(
                $"Uno's C is undefined: no comparable pair has its death at or before tau = {tau}.");
        return new UnoConcordanceResult(
            (s.WeightedConcordant + 0.5 * s.WeightedTiedRisk) / total,
            s.WeightedConcordant, s.WeightedDiscordant, s.WeightedTiedRisk, tau);
    }
}

/// <summary>Uno's C and its IPCW-weighted pair sums.</summary>
/// <param name="CIndex">(Concordant + TiedRisk / 2) / (Concordant + Discordant + TiedRisk), all weighted.</param>
/// <param name="Concordant">Weighted concordant pairs.</param>
/// <param name="Discordant">Weighted discordant pairs.</param>
/// <param name="TiedRisk">Weighted pairs tied in risk.</param>
/// <param name="Tau">The truncation time used (infinity when none).</param>
public sealed record UnoConcordanceResult(double CIndex, double Concordant, double Discordant, double TiedRisk, double Tau) : ISurvivalResult
{
    /// <summary>Percentile bootstrap interval, when asked for.</summary>
    public BootstrapInterval? Bootstrap { get; init; }

    /// <inheritdoc />
    public SurvivalTable Summary => new("Uno's C",
        ["C", "tau", "boot lower", "boot upper", "boot se"],
        [[CIndex, Tau, Bootstrap?.Lower ?? double.NaN, Bootstrap?.Upper ?? double.NaN, Bootstrap?.StdError ?? double.NaN]]);
}
