using VPTSurv.Data;
using VPTSurv.Slides;
using VPTSurv.Slides.Synthetic;
using VPTSurv.Survival;
using VPTSurv.Training;

namespace VPTSurv.Evaluation.References;

/// <summary>
/// The reference rows of Table 1, computed on the same slides as the trained models: the preset's subset of the cohort
/// (<see cref="TrainingSettings.Subset"/>), fitted on its training split, scored on its test split per slide.
/// <list type="bullet">
/// <item><see cref="Oracle"/>: Cox on the synthetic generator's true factors of each slide (and the patient's age):
/// the ceiling a model that reads the rendered tissue perfectly could reach.</item>
/// <item><see cref="HandFeatures"/>: ridge Cox on stain and cell-density features of the preset's tiles
/// (<see cref="StainFeatures"/>): what a classical image-analysis pipeline reads.</item>
/// <item><see cref="LinearProbe"/>: <see cref="LinearCoxProbe"/> on the frozen encoder's pooled features (the two-stage
/// feature cache, mean over each slide's tiles): what the features hold for a linear model.</item>
/// </list>
/// </summary>
public static class ReferenceRows
{
    /// <summary>Row name of the oracle.</summary>
    public const string OracleName = "Oracle (Cox on true factors)";

    /// <summary>Row name of the hand-feature Cox model.</summary>
    public const string HandFeaturesName = "Hand features (ridge Cox)";

    /// <summary>Row name of the linear probe.</summary>
    public const string LinearProbeName = "Linear probe (Cox on encoder PCs)";

    /// <summary>The three rows, in table order.</summary>
    public static IReadOnlyList<ReferenceRow> All(Preset preset, Cohort cohort, TrainerOptions? trainer = null, EvaluationOptions? options = null,
        Action<string>? log = null)
    {
        var rows = new List<ReferenceRow>();
        foreach (var make in new Func<ReferenceRow>[]
                 {
                     () => Oracle(preset, cohort, options),
                     () => HandFeatures(preset, cohort, trainer, options),
                     () => LinearProbe(preset, cohort, trainer, options),
                 })
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var row = make();
            rows.Add(row with { Details = new Dictionary<string, double>(row.Details) { ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1) } });
            log?.Invoke($"{cohort.Name} · {row.Name}: test C per slide {row.SlideC.Estimate:F3} [{row.SlideC.Lower:F3}, {row.SlideC.Upper:F3}] ({clock.Elapsed.TotalSeconds:F0} s)");
        }
        return rows;
    }

    /// <summary>
    /// Cox (<see cref="CoxRegression"/>, unpenalised) on each slide's latent factors as its synthetic spec states them
    /// (immune, infiltration, grade, architecture) and the patient's age when the cohort has an <c>age</c> covariate.
    /// </summary>
    /// <exception cref="ArgumentException">A slide is not synthetic (its id and source are named).</exception>
    public static ReferenceRow Oracle(Preset preset, Cohort cohort, EvaluationOptions? options = null)
    {
        var (used, train, _, test) = Splits(preset, cohort);
        bool withAge = used.CovariateNames.Contains("age");
        string[] names = withAge ? ["immune", "infiltration", "grade", "architecture", "age"] : ["immune", "infiltration", "grade", "architecture"];
        double[] Factors(SlideRecord s)
        {
            if (!SyntheticSlideSpec.IsSpec(s.Source))
                throw new ArgumentException($"oracle: slide '{s.SlideId}' has source '{s.Source}', not a synthetic spec; the oracle needs the generator's truth.", nameof(cohort));
            var f = SyntheticSlideSpec.Parse(s.Source).Factors;
            double[] x = [f.Immune, f.Infiltration, f.Grade, f.Architecture];
            if (!withAge) return x;
            double age = used.Patient(s.PatientId).Covariates["age"];
            return double.IsFinite(age) ? [.. x, age] : throw new ArgumentException($"oracle: patient '{s.PatientId}' has no age.", nameof(cohort));
        }
        var fit = new CoxRegression().Fit(train.Select(Factors).ToList(), train.Select(s => s.Time).ToArray(), train.Select(s => s.EventObserved).ToArray(), names);
        var risks = test.Select(s => Risk(s, fit.LinearPredictor(Factors(s)))).ToList();
        var details = new Dictionary<string, double>
        {
            ["converged"] = fit.Converged ? 1 : 0,
            ["train_c"] = TrainC(train, train.Select(s => fit.LinearPredictor(Factors(s)))),
        };
        return Row(OracleName, used, $"Cox on each slide's true factors ({string.Join(", ", names)}) from its synthetic spec; fitted on the training slides.",
            train.Count, names, fit.Coefficients, details, risks, options);
    }

    /// <summary>
    /// Ridge Cox on <see cref="StainFeatures"/> of each slide's tiles — the preset's tile pool (the same tiles the models
    /// read), or <see cref="TrainingSettings.InferenceTiles"/> tiles spread over the slide without a pool — standardised
    /// on the training slides. Slides whose tiles cannot be read are left out (counted in the details).
    /// </summary>
    public static ReferenceRow HandFeatures(Preset preset, Cohort cohort, TrainerOptions? trainer = null, EvaluationOptions? options = null, double penalty = 1.0)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var (used, train, val, test) = Splits(preset, cohort);
        trainer ??= TrainerOptions.Default;
        var s = preset.Training;
        var failed = new List<string>();
        var slides = train.Concat(val).Concat(test).ToList();
        using var source = trainer.Source?.Invoke(used, slides, preset)
            ?? (s.TilePool is { } pool
                ? TilePoolSource.Build(used, slides, pool, s.TileSize, s.TargetMpp, preset.Prompts.Needs.HasFlag(SlideInputParts.Context),
                    trainer.WorkDirectory is { } w ? Path.Combine(w, "tiles") : null, onFailure: (r, _) => failed.Add(r.SlideId))
                : new LiveTileSource(used, slides, s.TileSize, s.TargetMpp, new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2),
                    onFailure: (r, _) => failed.Add(r.SlideId)));
        var features = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var readable = slides.Where(r => !failed.Contains(r.SlideId)).ToList();
        var requests = readable.Select(r =>
        {
            int count = source.CountOf(r.SlideId);
            return new TileRequest(r.SlideId, s.TilePool is null ? TileSampling.Inference(count, s.InferenceTiles) : Enumerable.Range(0, count).ToArray());
        });
        foreach (var batch in source.Load(requests))
            using (batch)
                features[batch.SlideId] = StainFeatures.OfSlide(batch.Tiles.data<byte>().ToArray(), (int)batch.Count, (int)batch.Tiles.shape[2]);
        return FitRidge(HandFeaturesName, used, train, test, features, StainFeatures.Names, penalty, slides.Count - features.Count, options,
            $"Ridge Cox (λ = {penalty}) on stain and cell-density features ({string.Join(", ", StainFeatures.Names)}) of each slide's tiles, " +
            "standardised on the training slides.");
    }

    /// <summary>
    /// <see cref="LinearCoxProbe"/> on the frozen encoder's pooled features (the two-stage feature cache of the preset:
    /// each tile's mean-pooled token, averaged over the slide's tiles), components chosen on the validation slides.
    /// </summary>
    public static ReferenceRow LinearProbe(Preset preset, Cohort cohort, TrainerOptions? trainer = null, EvaluationOptions? options = null,
        LinearCoxProbe? probe = null)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var (used, train, val, test) = Splits(preset, cohort);
        trainer ??= TrainerOptions.Default;
        probe ??= new LinearCoxProbe();
        var slides = train.Concat(val).Concat(test).ToList();
        using var cache = FeatureCache.ForRun(trainer.WorkDirectory);
        using var set = new TwoStagePipeline(preset, trainer).Extract(used, slides, cache);
        var pooled = set.Features.ToDictionary(kv => kv.Key, kv =>
        {
            using var mean = kv.Value.to(TorchSharp.torch.ScalarType.Float64).mean([0]); // (d)
            return mean.data<double>().ToArray();
        }, StringComparer.Ordinal);
        var trainIn = train.Where(r => pooled.ContainsKey(r.SlideId)).ToList();
        var valIn = val.Where(r => pooled.ContainsKey(r.SlideId)).ToList();
        var fit = probe.Fit(trainIn.Select(r => pooled[r.SlideId]).ToList(), Targets(trainIn), valIn.Select(r => pooled[r.SlideId]).ToList(), Targets(valIn));
        var risks = test.Where(r => pooled.ContainsKey(r.SlideId)).Select(r => Risk(r, fit.Risk(pooled[r.SlideId]))).ToList();
        var details = new Dictionary<string, double>
        {
            ["components"] = fit.Components, ["variance_share"] = fit.VarianceShare, ["penalty"] = probe.Penalty,
            ["feature_width"] = pooled.Values.First().Length, ["left_out_slides"] = slides.Count - pooled.Count,
            ["train_c"] = TrainC(trainIn, trainIn.Select(r => fit.Risk(pooled[r.SlideId]))),
        };
        foreach (var (k, c) in fit.ValidationC) details[$"validation_c_k{k}"] = c;
        return Row(LinearProbeName, used,
            $"Ridge Cox (λ = {probe.Penalty}) on the first {fit.Components} principal components (of {string.Join("/", probe.ComponentCandidates)}, " +
            "chosen by validation C) of the frozen encoder's pooled features, standardised on the training slides.",
            trainIn.Count, Enumerable.Range(1, fit.Components).Select(k => $"pc{k}").ToList(), fit.Coefficients, details, risks, options);
    }

    private static ReferenceRow FitRidge(string name, Cohort used, List<SlideRecord> train, List<SlideRecord> test, Dictionary<string, double[]> features,
        IReadOnlyList<string> names, double penalty, int leftOut, EvaluationOptions? options, string description)
    {
        var trainIn = train.Where(r => features.ContainsKey(r.SlideId)).ToList();
        var scaler = Standardizer.Fit(trainIn.Select(r => features[r.SlideId]).ToList());
        var beta = new CoxRegression(CoxTies.Efron, Ridge: penalty).Fit(trainIn.Select(r => scaler.Apply(features[r.SlideId])).ToList(),
            trainIn.Select(r => r.Time).ToArray(), trainIn.Select(r => r.EventObserved).ToArray()).Coefficients;
        var risks = test.Where(r => features.ContainsKey(r.SlideId)).Select(r => Risk(r, LinearCoxProbe.Dot(scaler.Apply(features[r.SlideId]), beta))).ToList();
        var details = new Dictionary<string, double>
        {
            ["penalty"] = penalty, ["left_out_slides"] = leftOut, ["dropped_constant_features"] = names.Count - scaler.Kept.Count,
            ["train_c"] = TrainC(trainIn, trainIn.Select(r => LinearCoxProbe.Dot(scaler.Apply(features[r.SlideId]), beta))),
        };
        return Row(name, used, description, trainIn.Count, scaler.Kept.Select(j => names[j]).ToList(), beta, details, risks, options);
    }

    private static ReferenceRow Row(string name, Cohort used, string description, int trainSlides, IReadOnlyList<string> features,
        IReadOnlyList<double> coefficients, Dictionary<string, double> details, IReadOnlyList<SlideRisk> test, EvaluationOptions? options)
    {
        var (slideC, patientC) = ReferenceRow.Score(test, options ?? EvaluationOptions.Default);
        details["test_slides"] = test.Count;
        return new ReferenceRow(name, used.Name, description, slideC, patientC, trainSlides, features, [.. coefficients], details, test);
    }

    /// <summary>Harrell's C of the fitted model on its own training slides: the fit a trained decoder's training C is compared with.</summary>
    private static double TrainC(IReadOnlyList<SlideRecord> train, IEnumerable<double> risks) =>
        new HarrellConcordance().Fit(Targets(train), risks.ToArray()).CIndex;

    private static SlideRisk Risk(SlideRecord s, double risk) => new(s.SlideId, s.PatientId, s.Time, s.EventObserved, risk);

    private static SurvivalTargets Targets(IReadOnlyList<SlideRecord> slides) =>
        new(slides.Select(s => s.Time).ToArray(), slides.Select(s => s.EventObserved).ToArray());

    private static (Cohort Used, List<SlideRecord> Train, List<SlideRecord> Val, List<SlideRecord> Test) Splits(Preset preset, Cohort cohort)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(cohort);
        var used = preset.Training.Subset?.Apply(cohort) ?? cohort;
        var train = used.SlidesIn(Split.Train).ToList();
        var test = used.SlidesIn(Split.Test).ToList();
        if (train.Count == 0 || test.Count == 0)
            throw new ArgumentException($"Cohort '{cohort.Name}' has {train.Count} training and {test.Count} test slides; a reference row needs both.", nameof(cohort));
        return (used, train, used.SlidesIn(Split.Val).ToList(), test);
    }
}
