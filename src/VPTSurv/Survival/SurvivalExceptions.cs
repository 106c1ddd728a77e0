namespace VPTSurv.Survival;

/// <summary>No pair of subjects can be compared (e.g. no event, or every event tied with every later time).</summary>
public sealed class NoComparablePairsException(string message) : InvalidOperationException(message);

/// <summary>The data hold no observed event where the statistic needs at least one (e.g. a Cox batch of censored bags).</summary>
public sealed class NoEventsException(string message) : ArgumentException(message);
