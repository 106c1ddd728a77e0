using System.Reflection;
using System.Runtime.Loader;
using VPTSurv.Charts.Runtime;
using Xunit;

namespace VPTSurv.Tests.Interactive;

public class FSharpCoreBindingTests
{
    private static Assembly LoadedFSharpCore() => typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly;

    [Fact]
    public void Resolver_answers_a_newer_minor_FSharp_Core_request_with_the_loaded_assembly()
    {
        var loaded = LoadedFSharpCore();
        var v = loaded.GetName().Version!;
        // The kernel's case: FSharp.Core 10.0 is loaded, Plotly.NET asks for 10.1.
        var request = new AssemblyName($"FSharp.Core, Version={v.Major}.{v.Minor + 1}.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a");
        Assert.Same(loaded, FSharpCoreBinding.Resolve(AssemblyLoadContext.Default, request));
    }

    [Fact]
    public void Resolver_declines_other_assemblies_and_other_major_versions()
    {
        var v = LoadedFSharpCore().GetName().Version!;
        Assert.Null(FSharpCoreBinding.Resolve(AssemblyLoadContext.Default, new AssemblyName("Newtonsoft.Json, Version=13.0.0.0")));
        Assert.Null(FSharpCoreBinding.Resolve(AssemblyLoadContext.Default, new AssemblyName($"FSharp.Core, Version={v.Major + 1}.0.0.0")));
    }
}
