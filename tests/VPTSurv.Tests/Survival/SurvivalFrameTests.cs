using Microsoft.Data.Analysis;
using VPTSurv.Survival;
using Xunit;

namespace VPTSurv.Tests.Survival;

/// <summary>DataFrame input: columns by name, and errors that name a missing or non-numeric column.</summary>
public class SurvivalFrameTests
{
    private static DataFrame Frame() => new(
        new DoubleDataFrameColumn("time", [1.0, 2, 3, 4]),
        new Int32DataFrameColumn("event", [1, 0, 1, 1]),
        new DoubleDataFrameColumn("risk", [0.9, 0.1, 0.5, 0.2]),
        new StringDataFrameColumn("group", ["a", "b", "a", "b"]),
        new StringDataFrameColumn("note", ["x", "y", "z", "w"]));

    [Fact]
    public void Frame_columns_give_the_same_results_as_arrays()
    {
        var f = Frame();
        var y = SurvivalFrame.Targets(f);
        Assert.Equal([true, false, true, true], y.EventObserved);
        Assert.Equal(new HarrellConcordance().Fit([1.0, 2, 3, 4], [true, false, true, true], [0.9, 0.1, 0.5, 0.2]).CIndex,
            new HarrellConcordance().Fit(y, SurvivalFrame.Numbers(f, "risk")).CIndex);
        Assert.Equal(["a", "b"], new LogRankTest().Fit(y, SurvivalFrame.Labels(f)).Groups);
    }

    [Fact]
    public void A_missing_or_non_numeric_column_is_named()
    {
        var f = Frame();
        var missing = Assert.Throws<ArgumentException>(() => SurvivalFrame.Numbers(f, "score"));
        Assert.Equal("score", missing.ParamName);
        Assert.Contains("no column 'score'", missing.Message);
        var text = Assert.Throws<ArgumentException>(() => SurvivalFrame.Numbers(f, "note"));
        Assert.Equal("note", text.ParamName);
        Assert.Contains("row 0", text.Message);
        var badEvent = Assert.Throws<ArgumentException>(() => SurvivalFrame.Targets(f, @event: "risk"));
        Assert.Equal("risk", badEvent.ParamName);
    }
}
