namespace VPTSurv.Slides.Synthetic;

/// <summary>
/// The designed tissue properties of a synthetic patient or slide, each in [0, 1], each with a visible form
/// (docs/synthetic/README.md):
/// </summary>
/// <param name="Immune">Density of DAB-positive (marked) lymphocytes: the count of brown cells per tissue area.</param>
/// <param name="Infiltration">Where those cells sit: 1 = inside the tumour nests, 0 = excluded, crowded in the stroma at
/// the nests' border.</param>
/// <param name="Grade">Nuclear grade of the tumour cells: size, pleomorphism, coarse chromatin and nucleoli, a
/// high-frequency texture (what the structure prompt sees).</param>
/// <param name="Architecture">Nest organisation: 0 = large cohesive nests (3.5 tiles across at the Cpu preset's scale),
/// 1 = small fragmented nests (1.5 tiles across); a single tile sees a piece of epithelium, its 2T x 2T context sees
/// how far the next stroma band is (what the scale prompt sees).</param>
public readonly record struct LatentFactors(double Immune, double Infiltration, double Grade, double Architecture)
{
    /// <summary>Throws when a factor is outside [0, 1] or not finite.</summary>
    public void Validate()
    {
        Check(Immune, "immune");
        Check(Infiltration, "infiltration");
        Check(Grade, "grade");
        Check(Architecture, "architecture");
    }

    private static void Check(double v, string name)
    {
        if (!(v >= 0 && v <= 1))
            throw new ArgumentOutOfRangeException(name, v, $"Latent factor '{name}' must be in [0, 1], was {v}.");
    }
}

/// <summary>The immunohistochemical marker of a synthetic slide: which lymphocytes are DAB-positive.</summary>
public enum IhcStain
{
    /// <summary>CD4: helper T cells (and, weakly, some macrophages).</summary>
    CD4,

    /// <summary>CD8: cytotoxic T cells.</summary>
    CD8,
}
