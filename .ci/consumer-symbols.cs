// Checks that a package's symbols resolve: for every assembly in a .nupkg, the portable PDB in the matching .snupkg has
// the same PDB id as the assembly's CodeView debug entry, embeds every source document, and carries a SourceLink map
// when the build knew a repository URL. Run outside the repository (it is copied there by .ci/consumer):
//   dotnet run consumer-symbols.cs -- <feed folder>
// Prints one line per assembly and exits 1 when any check fails.
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

var feed = args.Length > 0 ? args[0] : throw new ArgumentException("usage: consumer-symbols.cs <feed folder>");
var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
var embeddedSourceKind = new Guid("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
int failures = 0;
foreach (var nupkg in Directory.GetFiles(feed, "*.nupkg").Order())
{
    using var package = ZipFile.OpenRead(nupkg);
    var id = Path.GetFileNameWithoutExtension(nupkg);
    var own = package.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal)
        && Path.GetFileNameWithoutExtension(e.Name).StartsWith("VPTSurv", StringComparison.Ordinal)
        && (e.FullName.StartsWith("lib/", StringComparison.Ordinal) || e.FullName.StartsWith("tools/", StringComparison.Ordinal))).ToList();
    if (own.Count == 0) { Console.WriteLine($"{id}: no assembly (a pointer package), no symbols needed"); continue; }
    var snupkg = Path.ChangeExtension(nupkg, ".snupkg");
    if (!File.Exists(snupkg)) { Console.WriteLine($"{id}: FAILED, no {Path.GetFileName(snupkg)}"); failures++; continue; }
    using var symbols = ZipFile.OpenRead(snupkg);
    foreach (var dll in own)
    {
        var pdbEntry = symbols.Entries.FirstOrDefault(e => e.FullName == Path.ChangeExtension(dll.FullName, ".pdb"));
        if (pdbEntry is null) { Console.WriteLine($"{id} {dll.FullName}: FAILED, no PDB in the symbols package"); failures++; continue; }
        using var dllStream = Copy(dll);
        using var pe = new PEReader(dllStream);
        var codeView = pe.ReadDebugDirectory().First(d => d.Type == DebugDirectoryEntryType.CodeView);
        var cv = pe.ReadCodeViewDebugDirectoryData(codeView);
        using var pdbStream = Copy(pdbEntry);
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdbStream);
        var pdb = provider.GetMetadataReader();
        var pdbGuid = new BlobContentId(pdb.DebugMetadataHeader!.Id).Guid;
        var documents = pdb.Documents.Count;
        int embedded = pdb.Documents.Count(d => pdb.GetCustomDebugInformation(d)
            .Any(c => pdb.GetGuid(pdb.GetCustomDebugInformation(c).Kind) == embeddedSourceKind));
        string? sourceLink = null;
        foreach (var c in pdb.GetCustomDebugInformation(EntityHandle.ModuleDefinition))
        {
            var info = pdb.GetCustomDebugInformation(c);
            if (pdb.GetGuid(info.Kind) == sourceLinkKind) sourceLink = Encoding.UTF8.GetString(pdb.GetBlobBytes(info.Value));
        }
        var paths = pdb.Documents.Select(d => pdb.GetString(pdb.GetDocument(d).Name)).ToList();
        bool deterministic = paths.All(p => p.StartsWith("/_/", StringComparison.Ordinal));
        bool ok = cv.Guid == pdbGuid && documents > 0 && embedded == documents && deterministic;
        Console.WriteLine($"{id} {dll.FullName}: {(ok ? "ok" : "FAILED")}: PDB id {(cv.Guid == pdbGuid ? "matches" : "DIFFERS")}, " +
            $"{embedded}/{documents} sources embedded, paths {(deterministic ? "deterministic (/_/)" : "NOT deterministic: " + paths.First(p => !p.StartsWith("/_/", StringComparison.Ordinal)))}, " +
            $"SourceLink {(sourceLink is null ? "none (no repository URL known to the build)" : sourceLink.Replace("\n", "").Replace(" ", ""))}");
        if (!ok) failures++;
    }
}
return failures == 0 ? 0 : 1;

static MemoryStream Copy(ZipArchiveEntry entry)
{
    var m = new MemoryStream();
    using (var s = entry.Open()) s.CopyTo(m);
    m.Position = 0;
    return m;
}
