namespace VPTSurv.Tests.Data;

/// <summary>Writes small manifests (and dummy slide files) into a temporary directory for a test.</summary>
internal sealed class ManifestTestFiles : IDisposable
{
    public const string Header = "patient_id,slide_id,source,time,event,split,stain,cov_age";

    public string Dir { get; } = Directory.CreateTempSubdirectory("vptsurv-manifest-").FullName;

    public ManifestTestFiles()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "slides"));
        foreach (var f in new[] { "a1.svs", "a2.svs", "b1.svs", "c1.svs" })
            File.WriteAllText(Path.Combine(Dir, "slides", f), "not a real slide");
    }

    /// <summary>A valid manifest: 3 patients, 4 slides, one of them synthetic.</summary>
    public static string[] ValidRows =>
    [
        "A,A-1,slides/a1.svs,12.5,1,train,CD8,61",
        "A,A-2,slides/a2.svs,12.5,1,train,CD8,61",
        "B,B-1,slides/b1.svs,30,0,val,CD8,",
        "C,C-1,synthetic:v1;seed=5;stain=CD8;immune=0.5;infiltration=0.5;grade=0.5;architecture=0.5,7.25,1,test,CD8,70",
    ];

    public string Write(string name, params string[] lines)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
