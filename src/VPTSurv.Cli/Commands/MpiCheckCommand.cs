using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using VPTSurv.Cli.Terminal;
using VPTSurv.Distributed.Mpi;
using VPTSurv.Runtime;
using static TorchSharp.torch;

namespace VPTSurv.Cli.Commands;

/// <summary>
/// Checks MPI across the ranks of an mpirun/srun job and times allreduce: every rank contributes known values (rank r,
/// element i: (float)((r + 1) * 0.1 + i * 0.001)), so the sums can be checked by hand; rank 0 prints (and with --out
/// writes) the results as JSON.
/// </summary>
public sealed class MpiCheckCommand(IAnsiConsole console) : Command<MpiCheckCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--values <N>")]
        [Description("Elements of the checked allreduce (default 1000).")]
        public int Values { get; init; } = 1000;

        [CommandOption("--time-floats <N>")]
        [Description("Float32 elements per timed allreduce (default 1048576, 4 MB); 0 skips the timing.")]
        public long TimeFloats { get; init; } = 1 << 20;

        [CommandOption("--repeats <N>")]
        [Description("Timed allreduce calls (default 20).")]
        public int Repeats { get; init; } = 20;

        [CommandOption("--out <FILE>")]
        [Description("Rank 0 also writes the JSON here.")]
        public string? Out { get; init; }
    }

    /// <summary>Rank <paramref name="rank"/>'s element <paramref name="i"/> of the checked allreduce.</summary>
    public static float ValueOf(int rank, int i) => (float)((rank + 1) * 0.1 + i * 0.001);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Values < 1 || settings.Repeats < 1 || settings.TimeFloats < 0)
            throw new CliInputException("--values and --repeats must be at least 1, --time-floats at least 0.");
        if (MpiLaunch.Detect() is null)
            throw new CliInputException("mpi-check runs under a launcher with more than one process, e.g. mpirun -np 2 vptsurv mpi-check.");
        using var world = MpiWorld.Start();
        var result = new JsonObject { ["size"] = world.Size };
        var who = world.AllGather([world.Rank, world.LocalRank, Environment.ProcessId]);
        result["ranks"] = new JsonArray([.. who.Select(w => (JsonNode)new JsonObject { ["rank"] = (int)w[0], ["local_rank"] = (int)w[1], ["pid"] = (int)w[2] })]);

        using var sum = tensor(Enumerable.Range(0, settings.Values).Select(i => ValueOf(world.Rank, i)).ToArray());
        world.AllReduce(sum, ReduceOp.Sum);
        result["sum_float32"] = Floats(sum);

        using var avg = tensor(Enumerable.Range(0, settings.Values).Select(i => ValueOf(world.Rank, i)).ToArray()).to(ScalarType.BFloat16);
        world.AllReduce(avg, ReduceOp.Average);
        result["average_bfloat16"] = Floats(avg.to(ScalarType.Float32));

        // Many tensors (float32, float64, bf16) in 16-byte buckets: several calls, each value where it came from.
        Tensor[] many = [tensor(new[] { ValueOf(world.Rank, 0), ValueOf(world.Rank, 1) }), tensor(new[] { 1.5 * (world.Rank + 1), 2.5 }),
            tensor(new[] { ValueOf(world.Rank, 2), ValueOf(world.Rank, 3), ValueOf(world.Rank, 4) })];
        int calls = world.AllReduce(many, ReduceOp.Sum, bucketBytes: 16);
        result["bucketed"] = new JsonObject { ["calls"] = calls, ["values"] = new JsonArray([.. many.Select(t => (JsonNode)Floats(t.to(ScalarType.Float32)))]) };
        foreach (var t in many) t.Dispose();

        using var shared = world.IsRoot ? arange(6, dtype: ScalarType.Float32) * 0.25f : zeros(6);
        world.Broadcast(shared, root: 0);
        result["broadcast_on_each_rank"] = new JsonArray([.. world.AllGather(shared.data<float>().Select(v => (double)v).ToArray()).Select(r => (JsonNode)new JsonArray([.. r.Select(v => (JsonNode)v)]))]);

        // The last rank arrives 300 ms late: the others wait in SleepingBarrier, which must not burn their core meanwhile.
        if (world.Rank == world.Size - 1) Thread.Sleep(300);
        var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var waited = Stopwatch.StartNew();
        world.SleepingBarrier();
        result["sleeping_barrier_rank0"] = new JsonObject
        {
            ["waited_ms"] = waited.Elapsed.TotalMilliseconds,
            ["cpu_ms"] = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds,
        };

        if (settings.TimeFloats > 0)
        {
            using var big = ones(settings.TimeFloats);
            world.AllReduce(big); // warm-up: connection set-up is not part of the cost
            var ms = new double[settings.Repeats];
            for (int k = 0; k < settings.Repeats; k++)
            {
                world.Barrier();
                var clock = Stopwatch.StartNew();
                world.AllReduce(big);
                ms[k] = clock.Elapsed.TotalMilliseconds;
            }
            var worst = world.AllGather(ms); // a call costs what the slowest rank waits
            var perCall = Enumerable.Range(0, settings.Repeats).Select(k => worst.Max(r => r[k])).Order().ToArray();
            result["timing"] = new JsonObject
            {
                ["floats"] = settings.TimeFloats,
                ["bytes"] = settings.TimeFloats * 4,
                ["repeats"] = settings.Repeats,
                ["median_ms"] = perCall[perCall.Length / 2],
                ["min_ms"] = perCall[0],
                ["max_ms"] = perCall[^1],
            };
        }
        if (!world.IsRoot) return ExitCodes.Success;
        var json = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        console.WriteLine(json);
        if (settings.Out is { } path) AtomicFile.WriteAllText(path, json);
        return ExitCodes.Success;
    }

    private static JsonArray Floats(Tensor t) => new([.. t.data<float>().Select(v => (JsonNode)v)]);
}
