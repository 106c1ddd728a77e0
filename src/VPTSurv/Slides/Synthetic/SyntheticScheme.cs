using System.Runtime.CompilerServices;

namespace VPTSurv.Slides.Synthetic;

/// <summary>Registers the <c>synthetic:</c> scheme with <see cref="SlideSource"/> when the library loads.</summary>
internal static class SyntheticScheme
{
    // A module initialiser runs before any type of the assembly is used, so SlideSource.Open knows the scheme from the
    // start; registering is a dictionary insert and cannot throw.
#pragma warning disable CA2255
    [ModuleInitializer]
    internal static void Register() =>
        SlideSource.RegisterScheme(SyntheticSlideSpec.Prefix.TrimEnd(':'), (spec, id) => SyntheticSlide.FromSpec(spec, id));
#pragma warning restore CA2255
}
