using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeOpt.Progressive;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt progressive MODEL --chunk-size 4MB -o DIR [--force] [--json]</c> packages a model for progressive loading;
/// <c>edgeopt progressive DIR --plan [--bandwidth 3g|4g|wifi|N MB/s] [--max-memory SIZE] [-o plan.json] [--json]</c> plans
/// its loading; <c>edgeopt progressive diff OLD_DIR NEW_DIR [--json]</c> says what a delta update fetches.
/// </summary>
internal static class ProgressiveCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The .onnx model to package, or (with --plan) a package folder" };
        var output = new Option<string?>("--output", "-o") { Description = "Package folder to write; with --plan, the plan JSON file to write" };
        var chunkSize = new Option<string>("--chunk-size")
        {
            Description = "Target bytes per weight chunk, e.g. 4MB, 512KiB (4 KiB to 2 GiB); a larger tensor gets a chunk of its own",
            DefaultValueFactory = _ => Units.Bytes(ProgressiveOptions.DefaultChunkSize),
        };
        var force = new Option<bool>("--force") { Description = "Replace an earlier EdgeOpt output in the folder (never a folder holding the model or files EdgeOpt did not write)" };
        var plan = new Option<bool>("--plan") { Description = "Plan loading of the package folder INPUT instead of packaging" };
        var bandwidth = new Option<string>("--bandwidth")
        {
            Description = "With --plan: slow-3g, 3g, 4g (Chrome DevTools throttling presets), wifi (30 Mbit/s), or a rate like '2 MB/s' or '10 Mbit/s'",
            DefaultValueFactory = _ => "4g",
        };
        var latency = new Option<double?>("--latency-ms") { Description = "With --plan: per-request latency in ms (default: the preset's, 0 for a rate)" };
        var maxMemory = new Option<string?>("--max-memory") { Description = "With --plan: memory budget, e.g. 64MB; exit 3 when the schedule needs more" };
        var json = new Option<bool>("--json") { Description = "Write the result as one JSON object on stdout, nothing else" };

        var command = new Command("progressive",
            "Package a model for progressive loading: a small graph file plus content-addressed weight chunks and manifest.json " +
            "(deterministic, written atomically); or plan the loading of a package (--plan); or compare two packages (diff).")
        {
            input, output, chunkSize, force, plan, bandwidth, latency, maxMemory, json,
        };
        CommandRunner.SetAction(command, (parse, context) => parse.GetValue(plan)
            ? RunPlan(context, parse.GetValue(input)!, parse.GetValue(output), parse.GetValue(bandwidth)!, parse.GetValue(latency), parse.GetValue(maxMemory), parse.GetValue(json))
            : RunPackage(context, parse.GetValue(input)!, parse.GetValue(output), parse.GetValue(chunkSize)!, parse.GetValue(force), parse.GetValue(json)));
        command.Subcommands.Add(CreateDiff());
        return command;
    }

    private static Command CreateDiff()
    {
        var before = new Argument<string>("old") { Description = "The package folder a client already holds" };
        var after = new Argument<string>("new") { Description = "The package folder to update to" };
        var json = new Option<bool>("--json") { Description = "Write the result as one JSON object on stdout, nothing else" };
        var command = new Command("diff", "Which files and how many bytes a client holding OLD must fetch to get NEW (compared by SHA-256)")
        {
            before, after, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            var result = PackageDiff.Compare(parse.GetValue(before)!, parse.GetValue(after)!);
            if (parse.GetValue(json)) CommandRunner.WriteJson(context, result);
            else ProgressiveRenderer.RenderDiff(context.Console, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int RunPackage(CommandContext context, string model, string? output, string chunkSize, bool force, bool asJson)
    {
        if (Directory.Exists(model))
            throw new UsageException($"'{model}' is a folder; add --plan to plan loading a package, or give a .onnx model to package");
        if (output is null) throw new UsageException("missing output folder: give -o DIR for the package");
        var options = new ProgressiveOptions { ChunkSize = ParseSize(chunkSize, "--chunk-size"), Force = force }; // the range is ProgressiveOptions'
        var manifest = ProgressivePackager.Package(model, output, options);
        if (asJson) CommandRunner.WriteJson(context, manifest);
        else ProgressiveRenderer.RenderPackage(context.Console, output, manifest);
        return ExitCodes.Ok;
    }

    private static int RunPlan(CommandContext context, string folder, string? output, string bandwidth, double? latencyMs, string? maxMemory, bool asJson)
    {
        var options = ParseBandwidth(bandwidth);
        if (latencyMs is { } ms)
            options = options with { RequestLatencySeconds = ms / 1000 }; // LoadPlan.Create refuses a negative latency
        if (maxMemory is not null) options = options with { MaxMemoryBytes = ParseSize(maxMemory, "--max-memory") };
        if (output is not null && Directory.Exists(output)) throw new UsageException($"plan output '{output}' is a folder; expected a file such as plan.json");
        if (output is not null && Path.GetDirectoryName(Path.GetFullPath(output)) is { } dir && !Directory.Exists(dir))
            throw new UsageException($"output folder '{dir}' does not exist");

        var plan = LoadPlan.Create(ProgressiveManifest.Load(folder), options);
        if (output is not null) AtomicFile.WriteAllText(output, JsonSerializer.Serialize(plan, CommandRunner.Json));
        if (asJson) CommandRunner.WriteJson(context, plan);
        else ProgressiveRenderer.RenderPlan(context.Console, plan);
        plan.ThrowIfOverMemoryLimit("--max-memory");
        return ExitCodes.Ok;
    }

    /// <summary>Bytes from <c>123</c>, <c>4KB</c>, <c>4 MB</c>, <c>4MiB</c>, <c>1.5GB</c> (KB/MB/GB/TB decimal, KiB/MiB/GiB/TiB binary).</summary>
    internal static long ParseSize(string text, string option)
    {
        var s = text.Trim();
        var split = 0;
        while (split < s.Length && (char.IsDigit(s[split]) || s[split] == '.')) split++;
        var unit = s[split..].Trim().ToUpperInvariant();
        long multiplier = unit switch
        {
            "" or "B" => 1,
            "KB" or "K" => 1000,
            "MB" or "M" => 1000_000,
            "GB" or "G" => 1000_000_000,
            "KIB" => 1L << 10,
            "MIB" => 1L << 20,
            "GIB" => 1L << 30,
            "TB" or "T" => 1000_000_000_000,
            "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0 || !double.TryParse(s[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value <= 0)
            throw new UsageException($"{option} '{text}' is not a positive size; expected e.g. 4MB, 512KiB or 1048576");
        if (value * multiplier > long.MaxValue) throw new UsageException($"{option} '{text}' is out of range");
        return (long)Math.Round(value * multiplier);
    }

    /// <summary>A preset name, or a rate: <c>2 MB/s</c>, <c>500KB/s</c>, <c>10 Mbit/s</c>.</summary>
    internal static LoadPlanOptions ParseBandwidth(string text)
    {
        if (LoadPlanOptions.Preset(text.Trim()) is { } preset) return preset;
        var s = text.Trim();
        if (!s.EndsWith("/s", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--bandwidth '{text}' is not slow-3g, 3g, 4g, wifi or a rate like '2 MB/s' or '10 Mbit/s'");
        s = s[..^2].Trim();
        double bytesPerSecond;
        if (s.EndsWith("bit", StringComparison.OrdinalIgnoreCase) || s.EndsWith("bps", StringComparison.OrdinalIgnoreCase))
            bytesPerSecond = ParseSize(s[..^3] + "B", "--bandwidth") / 8.0;
        else
            bytesPerSecond = ParseSize(s, "--bandwidth");
        return new LoadPlanOptions { BandwidthBytesPerSecond = bytesPerSecond };
    }
}
