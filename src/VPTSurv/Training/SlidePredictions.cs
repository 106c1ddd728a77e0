using VPTSurv.Data;
using VPTSurv.Model;

namespace VPTSurv.Training;

/// <summary>Slides and their predicted logits as <see cref="SlidePrediction"/>s, every risk checked finite.</summary>
internal static class SlidePredictions
{
    public static IReadOnlyList<SlidePrediction> Of(IReadOnlyList<SlideRecord> slides, Split split, IReadOnlyList<double[]> logits)
    {
        var result = slides.Select((s, i) => new SlidePrediction(s.SlideId, s.PatientId, split, s.Time, s.EventObserved, logits[i])).ToList();
        foreach (var p in result) Finite.Require(p.Risk, $"the predicted risk of slide '{p.SlideId}' ({split.ToManifest()} split)");
        return result;
    }
}
