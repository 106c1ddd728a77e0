using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>Small cases worked out by hand (the arithmetic is in the comments).</summary>
public class HandCountedTests
{
    [Fact]
    public void Kaplan_meier_by_hand()
    {
        // t: 1 2 2 3 4, death: 1 1 0 1 1.  S: 4/5 = .8; .8 * 3/4 = .6; .6 * 1/2 = .3; 0.
        // Greenwood on log S: 1/(5*4) = .05; + 1/(4*3) -> .1333..; + 1/(2*1) -> .6333..; then n = d: infinite.
        var km = new KaplanMeier().Fit([1.0, 2, 2, 3, 4], [true, true, false, true, true]);
        Assert.Equal([1.0, 2, 3, 4], km.Time);
        Assert.Equal([5, 4, 2, 1], km.AtRisk);
        Assert.Equal([1, 1, 1, 1], km.Events);
        Assert.Equal([0, 1, 0, 0], km.Censored);
        Assert.Equal(new[] { 0.8, 0.6, 0.3, 0.0 }, km.Survival, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(Math.Sqrt(0.05), km.StdErrLog[0], 15);
        Assert.Equal(Math.Sqrt(0.05 + 1.0 / 12), km.StdErrLog[1], 15);
        Assert.Equal(Math.Sqrt(0.05 + 1.0 / 12 + 0.5), km.StdErrLog[2], 15);
        Assert.True(double.IsPositiveInfinity(km.StdErrLog[3]));
        Assert.Equal(0.6 * Math.Sqrt(0.05 + 1.0 / 12), km.StdErr[1], 15);
        Assert.Equal(3.0, km.Median);                    // first time with S <= 0.5
        Assert.Equal(0.6, km.SurvivalAt(2.9), 15);
        Assert.Equal(1.0, km.SurvivalAt(0.5));
    }

    [Fact]
    public void Median_is_the_midpoint_where_survival_is_exactly_one_half()
    {
        // All deaths at 1, 2, 3, 4: S = .75, .5, .25, 0; S = .5 on [2, 3), so the median is 2.5 (R's rule).
        var km = new KaplanMeier().Fit([1.0, 2, 3, 4], [true, true, true, true]);
        Assert.Equal(2.5, km.Median);
        Assert.Equal(1.5, km.Quantile(0.25));            // 1 - S = .25 exactly on [1, 2): midpoint
    }

    [Fact]
    public void Kaplan_meier_table_by_hand()
    {
        // Same data as above; at t = 2: at risk 4 (times >= 2), 2 deaths and 1 censoring in (0, 2], S = .6;
        // at 3.5: at risk 1, 1 death in (2, 3.5]; at 10: nobody at risk, 1 death, S = 0.
        var rows = new KaplanMeier().Fit([1.0, 2, 2, 3, 4], [true, true, false, true, true]).Table([2.0, 3.5, 10]);
        Assert.Equal([(4, 2, 1), (1, 1, 0), (0, 1, 0)], rows.Select(r => (r.AtRisk, r.Events, r.Censored)));
        Assert.Equal(new[] { 0.6, 0.3, 0.0 }, rows.Select(r => r.Survival), (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void Log_rank_by_hand()
    {
        // A dies at 1 and 3, B at 2 and 4. Expected deaths of A: 2/4 + 1/3 + 1/2 + 0 = 4/3; O - E = 2/3.
        // Variance: 1*(3/3)*(1/2)(1/2) + 1*(2/2)*(1/3)(2/3) + 1*(1/1)*(1/2)(1/2) + 0 = 13/18; chi2 = (4/9)/(13/18) = 8/13.
        var lr = new LogRankTest().Fit([1.0, 3, 2, 4], [true, true, true, true], [0, 0, 1, 1]);
        Assert.Equal([2.0, 2.0], lr.Observed);
        Assert.Equal(4.0 / 3, lr.Expected[0], 14);
        Assert.Equal(8.0 / 3, lr.Expected[1], 14);
        Assert.Equal(8.0 / 13, lr.ChiSquare, 14);
        Assert.Equal(1, lr.DegreesOfFreedom);
        // One degree of freedom: P(chi2 > x) = erfc(sqrt(x / 2)).
        Assert.Equal(MathNet.Numerics.SpecialFunctions.Erfc(Math.Sqrt(4.0 / 13)), lr.PValue, 14);
    }

    // t: 1 (death), 2 (censored), 3 (death), 4 (death). Censoring KM: at 2, at risk 3 (times > 2 and the censoring), G = 2/3.
    private static readonly SurvivalTargets Small = new([1.0, 2, 3, 4], [true, false, true, true]);

    [Fact]
    public void Uno_c_by_hand()
    {
        // Risks .9 .1 .1 .2. Death at 1 (G(1-) = 1, weight 1) beats 2, 3, 4: 3 concordant pairs, weight 1 each.
        // Death at 3 (G(3-) = 2/3, weight 9/4) vs 4: .1 < .2, discordant, weight 9/4. Uno = 3 / (3 + 9/4) = 4/7.
        // Harrell (unweighted) = 3/4.
        double[] risk = [0.9, 0.1, 0.1, 0.2];
        var uno = new UnoConcordance().Fit(Small, risk);
        Assert.Equal(4.0 / 7, uno.CIndex, 15);
        Assert.Equal((3.0, 2.25, 0.0), (uno.Concordant, uno.Discordant, uno.TiedRisk));
        Assert.Equal(0.75, new HarrellConcordance().Fit(Small, risk).CIndex, 15);
        // Truncated at tau = 2: only the death at 1 counts.
        Assert.Equal(1.0, new UnoConcordance(2).Fit(Small, risk).CIndex);
    }

    [Fact]
    public void Time_dependent_auc_and_its_mean_by_hand()
    {
        // AUC(1.5): case = subject 0 (weight 1), controls 1, 2, 3 (risks .1 .1 .2) all below .9 -> 1.
        // AUC(3.5): cases 0 (weight 1) and 2 (weight 1/G(3-) = 3/2), control 3 (.2): (1*1 + 1.5*0) / (2.5 * 1) = .4.
        // KM: S(1.5) = 3/4, S(3.5) = 3/8; mean = (1 * 1/4 + .4 * 3/8) / (1 - 3/8) = .64.
        var auc = new TimeDependentAuc([1.5, 3.5]).Fit(Small, [0.9, 0.1, 0.1, 0.2]);
        Assert.Equal(1.0, auc.Auc[0], 15);
        Assert.Equal(0.4, auc.Auc[1], 15);
        Assert.Equal(0.64, auc.MeanAuc, 14);
    }

    [Fact]
    public void Brier_and_integrated_brier_by_hand()
    {
        // t = 2.5, G(2.5) = 2/3: subject 0 died before: .2^2 / G(1-) = .04; subject 1 censored before: 0;
        //   subjects 2, 3 alive: (1-.6)^2 * 3/2 + (1-.9)^2 * 3/2 = .24 + .015. BS = .295 / 4 = .07375.
        // t = 3.5: .1^2 + 0 + .3^2 / G(3-) + (1-.8)^2 / G(3.5) = .01 + .135 + .06 = .205; BS = .05125.
        // IBS = trapezoid / (3.5 - 2.5) = (.07375 + .05125) / 2 = .0625.
        var s = new double[,] { { 0.2, 0.1 }, { 0.5, 0.4 }, { 0.6, 0.3 }, { 0.9, 0.8 } };
        var bs = new BrierScore([2.5, 3.5]).Fit(Small, s);
        Assert.Equal(0.07375, bs.Score[0], 15);
        Assert.Equal(0.05125, bs.Score[1], 15);
        Assert.Equal(0.0625, bs.Integrated, 15);
    }

    [Fact]
    public void Censoring_weights_can_come_from_training_targets()
    {
        // Training data without censoring: G = 1 everywhere, so Uno's C equals Harrell's C on the test data.
        var train = new SurvivalTargets([1.0, 2, 3, 4, 5], [true, true, true, true, true]);
        double[] risk = [0.9, 0.1, 0.1, 0.2];
        Assert.Equal(0.75, new UnoConcordance().Fit(Small, risk, censoringFrom: train).CIndex, 15);
    }

    [Fact]
    public void Cox_fit_is_consistent_with_its_own_summaries()
    {
        // One binary covariate: the fitted hazard ratio lies in its interval, and the likelihood rises from the null.
        var fit = new CoxRegression().Fit(new[,] { { 1.0 }, { 0 }, { 1 }, { 0 }, { 1 }, { 0 } }, [1.0, 2, 3, 4, 5, 6], [true, true, false, true, true, true]);
        Assert.True(fit.Converged);
        Assert.InRange(fit.HazardRatios[0], fit.Lower[0], fit.Upper[0]);
        Assert.True(fit.LogLikelihood >= fit.LogLikelihoodNull);
        Assert.Equal(fit.Coefficients[0] * 2, fit.LinearPredictor([2.0]), 15);
    }
}

public class TimeVaryingRiskTests
{
    [Fact]
    public void Auc_with_a_risk_matrix_uses_each_column_at_its_time()
    {
        var y = new SurvivalTargets([1.0, 2, 3, 4], [true, false, true, true]);
        double[] a = [0.9, 0.1, 0.1, 0.2], b = [0.1, 0.5, 0.7, 0.2];
        var matrix = new double[4, 2];
        for (int i = 0; i < 4; i++) (matrix[i, 0], matrix[i, 1]) = (a[i], b[i]);
        var both = new TimeDependentAuc([1.5, 3.5]).Fit(y, matrix);
        Assert.Equal(new TimeDependentAuc([1.5]).Fit(y, a).Auc[0], both.Auc[0]);
        Assert.Equal(new TimeDependentAuc([3.5]).Fit(y, b).Auc[0], both.Auc[1]);
    }
}
