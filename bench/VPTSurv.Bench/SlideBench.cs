using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using VPTSurv.Data;
using VPTSurv.Slides;

namespace VPTSurv.Bench;

/// <summary>
/// Tile reading speed from one pyramidal JPEG TIFF: our OpenSlide path, the libvips reader, and Debian's
/// python3-openslide (a subprocess timed on the same file and the same tiles, in the same run), plus bag loading.
/// </summary>
internal static class SlideBench
{
    private const int Side = 4096, Tile = 256, Rounds = 5;

    [Benchmark("slides")]
    public static JsonNode Run()
    {
        // Other processes on a shared machine slow every reader alike (rounds are interleaved); recorded for context.
        string? loadAverage = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        var dir = Directory.CreateTempSubdirectory("vptsurv-slide-bench-").FullName;
        try
        {
            var path = Path.Combine(dir, "bench.tiff");
            var texture = Texture();
            var sw = Stopwatch.StartNew();
            PyramidalTiff.Write(new ImageSlide(Mirror(texture.Image, Side, Side), 0.25, "bench"), path, tileSize: Tile, jpegQuality: 90);
            double writeSeconds = sw.Elapsed.TotalSeconds;

            // Every level-0 tile of the 16 x 16 grid, in a fixed shuffled order (no read-ahead luck), aligned to the
            // TIFF tiles so each read decodes exactly one JPEG tile.
            var coords = new List<(long X, long Y)>();
            for (int y = 0; y < Side; y += Tile) for (int x = 0; x < Side; x += Tile) coords.Add((x, y));
            new Random(1).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(coords));
            var coordFile = Path.Combine(dir, "coords.txt");
            File.WriteAllLines(coordFile, coords.Select(c => $"{c.X} {c.Y}"));

            double? py = null, pyRaw = null;
            string? pyNote = null;
            var raw = new List<double>();
            var ours = new List<(double Wall, double Cpu)>(); var vips = new List<(double Wall, double Cpu)>();
            var pys = new List<(double Wall, double Cpu)>(); var pyRaws = new List<(double Wall, double Cpu)>();
            for (int round = 0; round < Rounds; round++) // interleaved so drift hits every reader alike
            {
                ours.Add(TilesPerSecond(() => new OpenSlideFile(path), coords));
                raw.Add(NativeOnlyTilesPerSecond(path, coords));
                vips.Add(TilesPerSecond(() => new TiffSlide(path), coords));
                // One fresh interpreter per mode, like our fresh handle per round.
                if (Python(path, coordFile, "rgb", out pyNote) is { } rgb) pys.Add(rgb);
                if (Python(path, coordFile, "raw", out pyNote) is { } rawPy) pyRaws.Add(rawPy);
            }
            double? pyCpu = null;
            if (pys.Count > 0) { py = pys.Max(p => p.Wall); pyRaw = pyRaws.Max(p => p.Wall); pyCpu = pys.Max(p => p.Cpu); }
            double osl = ours.Max(p => p.Wall), vip = vips.Max(p => p.Wall), oslCpu = ours.Max(p => p.Cpu), vipCpu = vips.Max(p => p.Cpu);
            double oslThreads = TilesPerSecondParallel(() => new OpenSlideFile(path), coords, Environment.ProcessorCount);

            // Bag loading: 4 bags of 200 tiles of 224 px at 0.5 µm/px (from level 1) with their scale context.
            double bagTilesPerSecond;
            using (var slide = new OpenSlideFile(path))
            {
                var grid = Tiler.Tile(slide, new TilingConfig(224, 0.5, 0.5));
                var loader = new BagLoader(new BagLoaderOptions(Threads: Environment.ProcessorCount, Prefetch: 2, WithContext: true));
                var requests = Enumerable.Range(0, 4).Select(e => BagRequest.Training(slide, grid, 200, seed: 1, epoch: e)).ToList();
                sw.Restart();
                int n = 0;
                foreach (var bag in loader.Load(requests)) using (bag) n += (int)bag.Tiles.shape[0];
                bagTilesPerSecond = n / sw.Elapsed.TotalSeconds;
            }

            var result = new JsonObject
            {
                ["load_average_at_start"] = loadAverage,
                ["file"] = $"{Side}x{Side} RGB pyramidal JPEG TIFF (Q90, {Tile}px tiles), IHC texture",
                ["texture"] = texture.Name,
                ["write_seconds"] = Math.Round(writeSeconds, 2),
                ["tiles"] = coords.Count,
                ["tile_px"] = Tile,
                ["rounds"] = Rounds,
                ["openslide_version"] = OpenSlideFile.Version,
                ["openslide_pinvoke_tiles_per_s"] = Math.Round(osl, 1),
                ["openslide_native_call_only_tiles_per_s"] = Math.Round(raw.Max(), 1),
                ["netvips_tiles_per_s"] = Math.Round(vip, 1),
                ["openslide_pinvoke_all_cores_tiles_per_s"] = Math.Round(oslThreads, 1),
                ["python3_openslide_rgb_tiles_per_s"] = py is null ? null : Math.Round(py.Value, 1),
                ["python3_openslide_rgba_only_tiles_per_s"] = pyRaw is null ? null : Math.Round(pyRaw.Value, 1),
                ["ratio_ours_vs_python_rgb"] = py is null ? null : Math.Round(osl / py.Value, 3),
                ["ratio_ours_vs_python_rgba_only"] = pyRaw is null ? null : Math.Round(osl / pyRaw.Value, 3),
                ["ratio_netvips_vs_openslide"] = Math.Round(vip / osl, 3),
                ["openslide_pinvoke_tiles_per_cpu_s"] = Math.Round(oslCpu, 1),
                ["netvips_tiles_per_cpu_s"] = Math.Round(vipCpu, 1),
                ["python3_openslide_rgb_tiles_per_cpu_s"] = pyCpu is null ? null : Math.Round(pyCpu.Value, 1),
                ["ratio_ours_vs_python_rgb_cpu"] = pyCpu is null ? null : Math.Round(oslCpu / pyCpu.Value, 3),
                ["bag_loader_tiles_per_s_with_context"] = Math.Round(bagTilesPerSecond, 1),
                ["bag_loader_threads"] = Environment.ProcessorCount,
                ["notes"] = "single thread, fresh handle per round, best of rounds; ours = RGB over white (premultiplied ARGB " +
                            "composited); python rgb = read_region + convert to RGB + numpy array; rgba_only = read_region alone" +
                            (pyNote is null ? "" : "; python: " + pyNote),
            };
            return result;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // Wall-clock tiles/s, and tiles per CPU-second of the whole process (robust to other load on a shared machine;
    // it also charges our GC and JIT threads to us, so it is conservative).
    private static (double Wall, double Cpu) TilesPerSecond(Func<ISlide> open, List<(long X, long Y)> coords)
    {
        using var slide = open();
        long checksum = 0;
        var proc = Process.GetCurrentProcess();
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        foreach (var (x, y) in coords)
            checksum += slide.ReadRegion(x, y, 0, Tile, Tile).Pixels[Tile * 3 + 1];
        double s = sw.Elapsed.TotalSeconds;
        proc.Refresh();
        double cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds;
        GC.KeepAlive(checksum);
        return (coords.Count / s, coords.Count / cpu);
    }

    // The bare openslide_read_region call into one reused buffer: what the C library costs without our conversion.
    private static double NativeOnlyTilesPerSecond(string path, List<(long X, long Y)> coords)
    {
        var osr = OpenSlideNative.Open(path);
        try
        {
            var buf = new uint[Tile * Tile];
            var sw = Stopwatch.StartNew();
            foreach (var (x, y) in coords) OpenSlideNative.ReadRegion(osr, buf, x, y, 0, Tile, Tile);
            return coords.Count / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            OpenSlideNative.Close(osr);
        }
    }

    private static double TilesPerSecondParallel(Func<ISlide> open, List<(long X, long Y)> coords, int threads)
    {
        using var slide = open();
        var sw = Stopwatch.StartNew();
        Parallel.ForEach(coords, new ParallelOptions { MaxDegreeOfParallelism = threads }, c => slide.ReadRegion(c.X, c.Y, 0, Tile, Tile));
        return coords.Count / sw.Elapsed.TotalSeconds;
    }

    private const string PythonScript = """
        import sys, time
        import numpy as np
        import openslide
        path, coords = sys.argv[1], [tuple(map(int, l.split())) for l in open(sys.argv[2])]
        def run(rgb):
            s = openslide.OpenSlide(path)
            t, c = time.perf_counter(), time.process_time()
            acc = 0
            for x, y in coords:
                im = s.read_region((x, y), 0, (256, 256))
                if rgb:
                    a = np.asarray(im.convert("RGB"))
                    acc += int(a[1, 0, 1])
            dt, dc = time.perf_counter() - t, time.process_time() - c
            s.close()
            return len(coords) / dt, len(coords) / dc
        run(sys.argv[3] == "rgb")  # warm-up pass on its own handle, as our rounds run in a warm process
        print(*run(sys.argv[3] == "rgb"))
        """;

    private static (double Wall, double Cpu)? Python(string path, string coordFile, string mode, out string? note)
    {
        note = null;
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) { note = "/usr/bin/python3 not found"; return null; }
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(PythonScript);
        psi.ArgumentList.Add(path);
        psi.ArgumentList.Add(coordFile);
        psi.ArgumentList.Add(mode);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            note = "python3-openslide unavailable (sudo apt-get install python3-openslide python3-numpy): " + stderr.Trim().Split('\n').LastOrDefault();
            return null;
        }
        var parts = stdout.Trim().Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    // The committed IHC test image, or a procedural stain-like pattern when run outside the repository.
    private static (RgbImage Image, string Name) Texture()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var f = Path.Combine(d.FullName, "tests", "VPTSurv.Tests", "Fixtures", "slides", "ihc.png");
            if (File.Exists(f)) return (VipsImaging.LoadRgb(f), "tests/VPTSurv.Tests/Fixtures/slides/ihc.png (mirrored)");
        }
        var rng = new Random(3);
        var px = new byte[512 * 512 * 3];
        for (int i = 0; i < px.Length; i += 3)
        {
            int n = rng.Next(60);
            px[i] = (byte)(150 + n); px[i + 1] = (byte)(110 + n); px[i + 2] = (byte)(80 + n);
        }
        return (new RgbImage(512, 512, px), "procedural noise (fixture not found)");
    }

    private static RgbImage Mirror(RgbImage src, int width, int height)
    {
        static int M(int i, int n) { int p = i % (2 * n); return p < n ? p : 2 * n - 1 - p; }
        var px = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                Buffer.BlockCopy(src.Pixels, (M(y, src.Height) * src.Width + M(x, src.Width)) * 3, px, (y * width + x) * 3, 3);
        return new RgbImage(width, height, px);
    }
}
