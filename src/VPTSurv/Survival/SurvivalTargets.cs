namespace VPTSurv.Survival;

/// <summary>
/// Right-censored survival outcomes: a follow-up time per subject and whether death was observed at that time
/// (<c>true</c>) or the subject was censored (<c>false</c>). Validated on construction: times finite and &gt; 0,
/// equal lengths. The arrays are copied, so later changes to the caller's arrays do not reach the targets.
/// </summary>
public sealed record SurvivalTargets
{
    /// <summary>Follow-up time of each subject (finite, &gt; 0).</summary>
    public double[] Time { get; }

    /// <summary>True when death was observed at <see cref="Time"/>, false when the subject was censored then.</summary>
    public bool[] EventObserved { get; }

    /// <summary>Number of subjects.</summary>
    public int Count => Time.Length;

    /// <summary>Number of observed events.</summary>
    public int EventCount => EventObserved.Count(e => e);

    /// <summary>Validating constructor; throws <see cref="ArgumentException"/> naming the first bad index.</summary>
    public SurvivalTargets(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved)
    {
        SurvivalInput.CheckTimeEvent(time, eventObserved);
        Time = SurvivalInput.ToArray(time);
        EventObserved = SurvivalInput.ToArray(eventObserved);
    }

    /// <summary>Targets from times and event indicators.</summary>
    public static SurvivalTargets Create(IReadOnlyList<double> time, IReadOnlyList<bool> eventObserved) => new(time, eventObserved);

    /// <summary>Targets from times and 0/1 event codes (1 = death observed); any other code is rejected with its index.</summary>
    public static SurvivalTargets Create(IReadOnlyList<double> time, IReadOnlyList<int> eventCode)
    {
        ArgumentNullException.ThrowIfNull(eventCode);
        var ev = new bool[eventCode.Count];
        for (int i = 0; i < ev.Length; i++)
        {
            ev[i] = eventCode[i] switch
            {
                0 => false,
                1 => true,
                var c => throw new ArgumentException($"eventCode[{i}] = {c}: event codes must be 0 (censored) or 1 (death observed).", nameof(eventCode)),
            };
        }
        return new SurvivalTargets(time, ev);
    }

    /// <summary>The targets of the given subjects, in the given order (e.g. a split or a bootstrap sample).</summary>
    public SurvivalTargets Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var t = new double[indices.Count];
        var e = new bool[indices.Count];
        for (int k = 0; k < t.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"indices[{k}] = {i} is outside 0..{Count - 1}.");
            t[k] = Time[i];
            e[k] = EventObserved[i];
        }
        return new SurvivalTargets(t, e);
    }
}
