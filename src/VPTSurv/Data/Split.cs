namespace VPTSurv.Data;

/// <summary>Which part of a cohort a patient (and all of their slides) belongs to.</summary>
public enum Split
{
    /// <summary>Training.</summary>
    Train,

    /// <summary>Validation (model selection).</summary>
    Val,

    /// <summary>Test (reported once).</summary>
    Test,
}

/// <summary>The manifest spelling of <see cref="Split"/>.</summary>
public static class SplitNames
{
    /// <summary>"train", "val" or "test".</summary>
    public static string ToManifest(this Split split) => split switch
    {
        Split.Train => "train",
        Split.Val => "val",
        Split.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>Parses "train", "val" or "test" (exact, lower case); false otherwise.</summary>
    public static bool TryParse(string text, out Split split)
    {
        switch (text)
        {
            case "train": split = Split.Train; return true;
            case "val": split = Split.Val; return true;
            case "test": split = Split.Test; return true;
            default: split = default; return false;
        }
    }
}
