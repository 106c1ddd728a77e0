using Microsoft.DotNet.Interactive;
using VPTSurv.Charts.Runtime;

namespace VPTSurv.Interactive;

/// <summary>
/// The notebook extension. dotnet-interactive finds it in the package's <c>interactive-extensions/dotnet</c> folder
/// and calls <see cref="OnLoadAsync"/> when a cell runs <c>#r "nuget: VPTSurv.Interactive"</c>.
/// </summary>
public sealed class VptSurvKernelExtension : IKernelExtension
{
    /// <summary>Makes Plotly.NET load in the kernel and registers the HTML formatters of VPTSurv's results.</summary>
    public Task OnLoadAsync(Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        // Before any cell touches a Plotly.NET type: the kernel's FSharp.Core 10.0 must answer Plotly.NET's 10.1 request.
        FSharpCoreBinding.Install();
        NotebookFormatters.Register();
        KernelInvocationContext.Current?.DisplayAs(
            "VPTSurv.Interactive: formatters for Kaplan–Meier charts and survival results are registered.", "text/markdown");
        return Task.CompletedTask;
    }
}
