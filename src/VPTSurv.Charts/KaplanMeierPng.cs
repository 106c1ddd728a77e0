using System.Globalization;
using ScottPlot;

namespace VPTSurv.Charts;

/// <summary>Draws a <see cref="KaplanMeierChart"/> with ScottPlot (offline, no browser), for the CLI and reports.</summary>
/// <remarks>
/// The at-risk table is drawn inside the same plot below S = 0, in data coordinates, so its columns sit exactly under
/// the time ticks; the survival axis shows ticks only from 0 to 1.
/// </remarks>
internal static class KaplanMeierPng
{
    private const double RowHeight = 0.085;

    public static byte[] Render(KaplanMeierChart chart)
    {
        var o = chart.Options;
        var ticks = chart.AtRiskTimes;
        var plot = new Plot();
        for (int g = 0; g < chart.Groups.Count; g++)
        {
            var group = chart.Groups[g];
            var color = Color.FromHex(KaplanMeierChartOptions.Palette[g % KaplanMeierChartOptions.Palette.Count]);
            if (o.ConfidenceBands)
            {
                var (bx, upper) = group.StepPath(StepValue.Upper);
                var (_, lower) = group.StepPath(StepValue.Lower);
                var band = plot.Add.Polygon(bx.Concat(bx.Reverse()).ToArray(), upper.Concat(lower.Reverse()).ToArray());
                band.FillColor = color.WithAlpha(0.15);
                band.LineWidth = 0;
            }
            var (x, y) = group.StepPath();
            var line = plot.Add.ScatterLine(x, y, color);
            line.LineWidth = 2.5f;
            line.LegendText = KaplanMeierChart.LegendText(group);
            if (o.CensorTicks && group.CensorMarks() is { X.Length: > 0 } marks)
            {
                var m = plot.Add.Markers(marks.X, marks.Y, MarkerShape.VerticalBar, 9, color);
                m.MarkerLineWidth = 1.5f;
            }
        }

        double bottom = 0;
        if (o.AtRiskTable)
        {
            var counts = chart.AtRiskCounts();
            int rows = chart.Groups.Count;
            bottom = -RowHeight * (rows + 1.6);
            var header = plot.Add.Text("Number at risk", 0, -RowHeight * 0.9);
            Style(header, Colors.Black, Alignment.MiddleLeft, bold: true);
            for (int g = 0; g < rows; g++)
            {
                var color = Color.FromHex(KaplanMeierChartOptions.Palette[g % KaplanMeierChartOptions.Palette.Count]);
                double rowY = -RowHeight * (g + 2);
                for (int j = 0; j < ticks.Count; j++)
                    Style(plot.Add.Text(counts[g][j].ToString(CultureInfo.InvariantCulture), ticks[j], rowY), color, Alignment.MiddleCenter);
            }
            // Group names of the table go left of the axis, where tick labels would be.
            var labels = new ScottPlot.TickGenerators.NumericManual();
            foreach (var v in new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 }) labels.AddMajor(v, v.ToString("0.0", CultureInfo.InvariantCulture));
            for (int g = 0; g < rows; g++) labels.AddMajor(-RowHeight * (g + 2), chart.Groups[g].Label);
            plot.Axes.Left.TickGenerator = labels;
            // The grid would also cross the table rows: draw the survival grid lines by hand instead.
            plot.Grid.YAxisStyle.IsVisible = false;
            foreach (var v in new[] { 0.2, 0.4, 0.6, 0.8, 1.0 }) plot.Add.HorizontalLine(v, 1, Colors.Black.WithAlpha(0.08), LinePattern.Solid);
            plot.Add.HorizontalLine(0, 1, Colors.Gray.WithAlpha(0.8), LinePattern.Solid);
        }

        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var t in ticks) xTicks.AddMajor(t, t.ToString("0.###", CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = xTicks;
        double xMax = Math.Max(chart.MaxTime, ticks[^1]) * 1.03;
        // Room left of t = 0 so the first column of the table clears the axis.
        plot.Axes.SetLimits(-0.04 * xMax, xMax, bottom, 1.03);

        var stats = chart.StatisticsLines();
        if (stats.Count > 0)
        {
            var box = plot.Add.Annotation(string.Join("\n", stats), Alignment.UpperRight);
            box.OffsetY = 70 + 18 * chart.Groups.Count;
            box.LabelFontSize = 13;
            box.LabelBackgroundColor = Colors.White.WithAlpha(0.9);
            box.LabelBorderColor = Colors.Gray;
            box.LabelShadowColor = Colors.Transparent;
        }
        plot.Title(o.Title);
        plot.XLabel(o.TimeLabel);
        plot.YLabel(o.SurvivalLabel);
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.08);
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(o.Width, o.Height, ImageFormat.Png);
    }

    private static void Style(ScottPlot.Plottables.Text text, Color color, Alignment alignment, bool bold = false)
    {
        text.LabelFontColor = color;
        text.LabelFontSize = 13;
        text.LabelAlignment = alignment;
        text.LabelBold = bold;
    }
}
