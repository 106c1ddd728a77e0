using Microsoft.Data.Analysis;

namespace VPTSurv.Survival;

/// <summary>
/// Columns of a <see cref="DataFrame"/> as the inputs of the estimators (by default the columns "time", "event",
/// "risk" and "group"). A missing column or a non-numeric one where numbers are needed is an
/// <see cref="ArgumentException"/> naming the column; the values then pass the same checks as arrays do.
/// </summary>
public static class SurvivalFrame
{
    /// <summary>Outcomes from a time column and a 0/1 (or boolean) event column.</summary>
    public static SurvivalTargets Targets(DataFrame frame, string time = "time", string @event = "event")
    {
        var t = Numbers(frame, time);
        var column = Column(frame, @event);
        var e = new bool[column.Length];
        for (int i = 0; i < e.Length; i++)
        {
            e[i] = column[i] switch
            {
                bool b => b,
                null => throw new ArgumentException($"column '{@event}' row {i} is missing; events must be 0 or 1.", @event),
                var v when IsNumber(v) && Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) is 0 or 1 =>
                    Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) == 1,
                var v => throw new ArgumentException($"column '{@event}' row {i} = {v}: events must be 0 or 1 (or booleans).", @event),
            };
        }
        return new SurvivalTargets(t, e);
    }

    /// <summary>A numeric column (e.g. "risk") as doubles.</summary>
    public static double[] Numbers(DataFrame frame, string name)
    {
        var column = Column(frame, name);
        var result = new double[column.Length];
        for (int i = 0; i < result.Length; i++)
        {
            var v = column[i];
            if (v is null || !IsNumber(v))
                throw new ArgumentException($"column '{name}' row {i} = {v ?? "(missing)"}: expected a number (column type {column.DataType.Name}).", name);
            result[i] = Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);
        }
        return result;
    }

    /// <summary>A label column (e.g. "group") as text, whatever its type.</summary>
    public static string[] Labels(DataFrame frame, string name = "group")
    {
        var column = Column(frame, name);
        var result = new string[column.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = column[i] is { } v ? SurvivalTable.Format(v) : throw new ArgumentException($"column '{name}' row {i} is missing; every subject needs a label.", name);
        return result;
    }

    private static DataFrameColumn Column(DataFrame frame, string name)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(name);
        int index = frame.Columns.IndexOf(name);
        if (index < 0)
            throw new ArgumentException(
                $"the data frame has no column '{name}' (columns: {string.Join(", ", frame.Columns.Select(c => c.Name))}).", name);
        return frame.Columns[index];
    }

    private static bool IsNumber(object v) => v is double or float or int or long or short or byte or decimal or uint or ulong or ushort or sbyte;
}
