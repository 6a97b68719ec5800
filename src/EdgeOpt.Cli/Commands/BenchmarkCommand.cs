using System.CommandLine;
using System.Globalization;
using EdgeOpt.Power.Sensors;
using EdgeOpt.Runtime;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt benchmark MODEL [MODEL ...] [--threads 1,2] [--warmup N] [--runs N | --duration S] [--ep NAME]
/// [--shape NAME=DIMS]... [--data DIR|FILE] [--batch N] [--sustained DURATION] [--json]</c>: runs <see cref="ModelBenchmark"/>
/// and renders one table per thread count (ratios against the first model), or the whole report with every raw sample as
/// JSON. With <c>--sustained</c> it runs one model for that long instead (<see cref="SustainedBenchmark"/>) and renders its windows.
/// </summary>
internal static class BenchmarkCommand
{
    /// <summary>The library's defaults are the CLI's.</summary>
    private static readonly BenchmarkOptions Defaults = new();

    public static Command Create()
    {
        var models = new Argument<string[]>("models") { Description = "The .onnx models to measure; ratios are against the first", Arity = ArgumentArity.OneOrMore };
        var threads = new Option<string[]>("--threads") { Description = "Intra-op thread counts to measure, comma-separated or repeated (default 1)", HelpName = "1,2,..." };
        var warmup = new Option<int>("--warmup") { Description = "Untimed inferences per model after the first (cold) one", DefaultValueFactory = _ => Defaults.Warmup, HelpName = "N" };
        var runs = new Option<int?>("--runs") { Description = "Measured inferences per model (default 50)", HelpName = "N" };
        var duration = new Option<double?>("--duration") { Description = "Measure for S seconds (all models together, interleaved) instead of --runs", HelpName = "S" };
        var ep = new Option<string>("--ep")
        {
            Description = $"Execution provider (available in this build: {string.Join(", ", SessionFactory.AvailableProviders())})",
            DefaultValueFactory = _ => "cpu",
            HelpName = "cpu|xnnpack|cuda|tensorrt|...",
        };
        var shapes = new Option<string[]>("--shape") { Description = "Shape of a generated input with free dims, e.g. --shape input=1x3x224x224 (repeatable)", HelpName = "NAME=DIMS" };
        var data = new Option<string?>("--data")
        {
            Description = "Feed real data instead of generated inputs: an image folder, .npy/.npz/.pb file or folder, ONNX test_data_set folders, or an IDX file",
            HelpName = "DIR|FILE",
        };
        var batch = new Option<int>("--batch") { Description = "Items per inference: the size of a free leading (batch) dim; data samples are stacked", DefaultValueFactory = _ => Defaults.Batch, HelpName = "N" };
        var optimization = new Option<string>("--graph-optimization")
        {
            Description = "ONNX Runtime graph optimization level for each session",
            DefaultValueFactory = _ => "all",
            HelpName = "none|basic|extended|all",
        };
        var sustained = new Option<string?>("--sustained")
        {
            Description = "Run one model without pause this long (e.g. 30s, 2m) and report it in windows: latency drift, and power, " +
                "energy per inference, temperature and CPU frequency where sensors exist; flags suspected throttling",
            HelpName = "DURATION",
        };
        var json = new Option<bool>("--json") { Description = "Write the report (summary and every raw latency sample) as one JSON object on stdout, nothing else" };

        var command = new Command("benchmark",
            "Measure models on this machine with ONNX Runtime: session creation and first inference (cold start), latency " +
            "p50/p90/p99, throughput and memory, per thread count. Several models run interleaved (A B A B ...) and are " +
            "compared with the first.")
        {
            models, threads, warmup, runs, duration, ep, shapes, data, batch, optimization, sustained, json,
        };

        CommandRunner.SetAction(command, (parse, context) =>
        {
            var options = new BenchmarkOptions
            {
                Threads = ParseThreads(parse.GetValue(threads) ?? []),
                Warmup = parse.GetValue(warmup),
                Runs = parse.GetValue(runs),
                Duration = Arguments.Seconds(parse.GetValue(duration), "--duration"),
                ExecutionProvider = parse.GetValue(ep)!,
                Shapes = ParseShapes(parse.GetValue(shapes) ?? []),
                Data = parse.GetValue(data),
                Batch = parse.GetValue(batch),
                Optimization = ParseOptimization(parse.GetValue(optimization)!),
            };
            if (parse.GetValue(sustained) is { } text) return Sustained(context, parse.GetValue(models)!, text, options, parse.GetValue(json));
            var report = ProgressDisplay.WithBar<BenchmarkProgress, BenchmarkReport>(context, "Benchmarking", p => (p.Stage, p.Done, p.Total),
                progress => ModelBenchmark.Run(parse.GetValue(models)!, options, progress));
            if (parse.GetValue(json)) CommandRunner.WriteJson(context, report);
            else BenchmarkRenderer.Render(context.Console, report);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The sustained run, for <c>benchmark --sustained</c> and <c>power --measure</c> (<paramref name="flag"/> names the option in errors).</summary>
    internal static int Sustained(CommandContext context, string[] models, string duration, BenchmarkOptions benchmark, bool json, string flag = "--sustained")
    {
        if (models.Length != 1) throw new UsageException($"{flag} runs one model, not {models.Length}: give a single MODEL");
        var options = new SustainedBenchmarkOptions { Duration = Arguments.Duration(duration, flag), Benchmark = benchmark };
        var report = ProgressDisplay.WithBar<BenchmarkProgress, SustainedBenchmarkReport>(context, "Sustained run", p => (p.Stage, p.Done, p.Total),
            progress => SustainedBenchmark.Run(models[0], options, progress));
        if (json) CommandRunner.WriteJson(context, report);
        else SustainedBenchmarkRenderer.Render(context.Console, report);
        return ExitCodes.Ok;
    }

    /// <summary>Accepts <c>--threads 1,2</c> and <c>--threads 1 --threads 2</c>; empty means one thread.</summary>
    internal static int[] ParseThreads(IEnumerable<string> values)
    {
        var result = new List<int>();
        foreach (var part in Arguments.SplitNames(values))
        {
            // Syntax only; the range of a thread count is BenchmarkOptions.Validate's.
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                throw new UsageException($"--threads '{part}': expected positive thread counts separated by commas, e.g. 1,2,4");
            result.Add(count);
        }
        return result.Count > 0 ? [.. result] : [1];
    }

    /// <summary>Parses <c>NAME=1x3x224x224</c> (commas also separate dims); the name is everything before the last '='.</summary>
    internal static Dictionary<string, long[]> ParseShapes(IEnumerable<string> values)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.LastIndexOf('=');
            var parts = eq < 0 ? [] : value[(eq + 1)..].Split(['x', 'X', ','], StringSplitOptions.TrimEntries);
            var dims = new long[parts.Length];
            var ok = eq > 0 && parts.Length > 0;
            for (var i = 0; ok && i < parts.Length; i++)
                ok = long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) && dims[i] > 0;
            if (!ok) throw new UsageException($"--shape '{value}': expected NAME=DIMS with positive integer dims separated by 'x', e.g. input=1x3x224x224");
            if (!shapes.TryAdd(value[..eq], dims)) throw new UsageException($"--shape: input '{value[..eq]}' is given twice");
        }
        return shapes;
    }

    private static GraphOptimization ParseOptimization(string text) => text.ToLowerInvariant() switch
    {
        "none" or "disabled" => GraphOptimization.None,
        "basic" => GraphOptimization.Basic,
        "extended" => GraphOptimization.Extended,
        "all" => GraphOptimization.All,
        _ => throw new UsageException($"--graph-optimization '{text}': expected none, basic, extended or all"),
    };
}
