using VPTSurv.Data;
using VPTSurv.Decoders;
using VPTSurv.Encoders;
using VPTSurv.Model;
using VPTSurv.Prompts;
using VPTSurv.Slides;
using VPTSurv.Survival;
using VPTSurv.Tests.Training;
using VPTSurv.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Architecture.Examples;

/// <summary>
/// The extension-point examples of docs/ARCHITECTURE.md, compiled and run by <see cref="ArchitectureDocTests"/>, which
/// also checks that the document quotes each region between "// doc:" markers exactly.
/// </summary>
public static class ArchitectureExamples
{
    /// <summary>A new decoder: registered by name, trained two-stage, saved to one file, loaded back and asked.</summary>
    public static IReadOnlyList<SlidePrediction> NewDecoder(Cohort cohort, TrainerOptions options, string path)
    {
        // doc:begin new-decoder
        // Any BagDecoder (here MeanPoolDecoder: the mean tile feature, then a linear layer to K logits), by name.
        DecoderRegistry.Register(new DecoderEntry("meanpool", "Mean pool", typeof(MeanPoolDecoder),
            preset => new MeanPoolDecoder(preset.Encoder.Width, preset.Training.Bins))
        {
            LearningRates = new Dictionary<string, double?> { ["smoke"] = 1e-3 }, // its own default (null = the preset's)
        }, replace: true);

        // Train it two-stage by name, save one file, load it back (no trainer needed) and predict.
        var oneEpoch = Preset.Smoke with { Training = Preset.Smoke.Training with { Epochs = 1 } };
        using (var result = new TwoStagePipeline(oneEpoch, DecoderRegistry.Get("meanpool"), options).Fit(cohort))
            result.Save(path, overwrite: true);
        using var model = ModelFile.Load(path);
        return model.Predict(cohort, Split.Test, options);
        // doc:end
    }

    /// <summary>Prompt sources: the paper's by flag and a user's own by name, composed with a registry decoder.</summary>
    public static double PromptSourcesOfAModel()
    {
        // doc:begin prompt-sources
        // The tile prompt always; besides it the paper's Structure, Scale and Tabular sources (flags) and any source
        // registered by name (here MeanColourPrompt, below). Every source is a module whose tokens each block's adaptor
        // attends to; the model reads what the sources need from one SlideInput (tiles, context, covariates, positions).
        PromptSourceRegistry.Register(new PromptSourceEntry("mean-colour", typeof(MeanColourPrompt), SlideInputParts.None,
            shape => new MeanColourPrompt(shape.Width)), replace: true);
        using var model = ModelBuilder.WithEncoder(Preset.Smoke.Encoder, ShippedWeights.Smoke)
            .Prompts(PromptSources.Structure | PromptSources.Tabular, width: 8, covariates: 2, extra: ["mean-colour"])
            .Decoder(width => DecoderRegistry.Get("abmil").Build(Preset.Smoke))
            .Seed(0)
            .Build();
        using var tiles = randint(0, 256, [8, 3, 32, 32], dtype: ScalarType.Byte); // one slide's tiles (N, 3, T, T)
        using var covariates = tensor(new[] { 0.5f, -1f }); // (C), standardised
        using var logits = model.Forward(new SlideInput(tiles, Covariates: covariates)); // (K)
        return DiscreteTimeHead.RiskOf(logits.to(ScalarType.Float64).data<double>().ToArray());
        // doc:end
    }

    /// <summary>A slide reader: a scheme whose sources open as the user's <see cref="ISlide"/>.</summary>
    public static byte[] SlideReader()
    {
        // doc:begin slide-reader
        // Sources "solid:r,g,b" open as SolidSlide; a manifest can then list such sources like slide files.
        SlideSource.RegisterScheme("solid", source => new SolidSlide(source));
        using var slide = SlideSource.Open("solid:180,120,60");
        var region = slide.ReadRegion(x: 0, y: 0, level: 0, width: 4, height: 4); // RGB, row-major HWC
        return region.Pixels[..3];
        // doc:end
    }

    /// <summary>A loss: any function of a bag's logits, its gradient added by <see cref="EndToEndStep"/>.</summary>
    public static double CustomLoss()
    {
        // doc:begin loss
        // Any scalar function of a bag's (1, K) hazard logits; EndToEndStep adds its gradient (plain, or gradient-cached
        // micro-batch by micro-batch) to the prompt sources, adaptors and decoder, the encoder staying frozen.
        var preset = Preset.Smoke with { Prompts = Preset.Smoke.Prompts with { Sources = PromptSources.Structure } };
        using var model = preset.BuildModel();
        using var optimizer = OptimizerFactory.Create(model, learningRate: 1e-3, weightDecay: 1e-2);
        using var tiles = randint(0, 256, [8, 3, 32, 32], dtype: ScalarType.Byte);
        using var bin = tensor(new[] { 2L });
        using var died = tensor(new[] { 1f });
        Func<Tensor, Tensor> loss = logits =>
            SurvivalLoss.DiscreteTimeNll(logits, bin, died, alpha: 0.4) + 1e-3 * logits.square().mean();
        double value = EndToEndStep.Accumulate(model, new SlideInput(tiles), loss,
            scale: 1, gradientCaching: true, microBatch: 4);
        optimizer.step();
        return value;
        // doc:end
    }
}

// doc:begin mean-colour-prompt
/// <summary>A prompt source of one's own: each tile's mean colour, as the encoder normalises it, to one token of width r.</summary>
public sealed class MeanColourPrompt : PromptSource
{
    private readonly Linear proj;

    public MeanColourPrompt(int width) : base(nameof(MeanColourPrompt))
    {
        proj = nn.Linear(3, width);
        RegisterComponents();
    }

    // What it reads of the SlideInput besides the tiles (Context, Covariates, Positions): nothing.
    public override SlideInputParts Needs => SlideInputParts.None;

    public override Tensor forward(PromptContext input) =>
        proj.forward(input.NormalizedTiles.mean([2, 3])).unsqueeze(1); // (N, 3, T, T) -> (N, 1, r)
}
// doc:end

// doc:begin solid-slide
/// <summary>A slide of one colour, 1024 x 1024 pixels at 0.5 µm per pixel, from a source "solid:r,g,b".</summary>
public sealed class SolidSlide(string source) : ISlide
{
    private readonly byte[] rgb = source["solid:".Length..].Split(',').Select(byte.Parse).ToArray();

    public string Id => source;
    public string Source => source;
    public IReadOnlyList<(long Width, long Height)> LevelDimensions => [(1024, 1024)];
    public IReadOnlyList<double> LevelDownsamples => [1.0];
    public double? MicronsPerPixel => 0.5;

    public RgbImage ReadRegion(long x, long y, int level, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = x + i / 3 % width < 1024 && y + i / 3 / width < 1024 ? rgb[i % 3] : (byte)255; // white outside
        return new RgbImage(width, height, pixels);
    }

    public void Dispose() { }
}
// doc:end
