using System.ComponentModel;
using Spectre.Console.Cli;

namespace VPTSurv.Cli.Configuration;

/// <summary>Options of the commands whose slides can be shared among workers (tile, extract).</summary>
public class ShardedRunSettings : RunSettings
{
    [CommandOption("--shard <I/N>")]
    [Description("Work on shard i of n (0-based) of the slides, e.g. 0/4; under mpirun or srun the rank and size decide.")]
    public string? Shard { get; init; }

    [CommandOption("--lock-timeout <MINUTES>")]
    [Description("When the folder is on a file system without OS locks: minutes after which another host's slide lock is taken over (default 60).")]
    public double LockTimeoutMinutes { get; init; } = 60;
}
