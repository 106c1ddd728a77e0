namespace VPTSurv.Tests.Synthetic;

/// <summary>Files of the repository itself (not fixtures), found by walking up from the test assembly.</summary>
internal static class RepoPaths
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VPTSurv.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No VPTSurv.sln above {AppContext.BaseDirectory}.");
    }

    public static string DataManifests => Path.Combine(Root(), "data-manifests");
}
