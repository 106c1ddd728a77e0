// Types that break a layer order on purpose, for the checker's own test: Low uses High only inside a method body (so
// only the IL scan can see it), High uses Low through a field, and Stray belongs to no layer.
namespace VPTSurv.Tests.Architecture.Planted.Low
{
    internal sealed class Lower
    {
        public bool Ask() => new High.Higher().Value is null;
    }
}

namespace VPTSurv.Tests.Architecture.Planted.High
{
    internal sealed class Higher
    {
        public Low.Lower? Value { get; init; }
        public Stray.Unplaced? Other { get; init; }
    }
}

namespace VPTSurv.Tests.Architecture.Planted.Stray
{
    internal sealed class Unplaced;
}
