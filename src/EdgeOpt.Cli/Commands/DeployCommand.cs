using System.CommandLine;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Deployment;
using EdgeOpt.Quantization;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt deploy MODEL --device NAME|device.json [constraints] [--data DATA [--labels …]] -o OUT/</c>: searches
/// the model's variants for the device (<see cref="EdgeDeployer"/>), writes the chosen one with its package and
/// report.json/report.html, prints the candidate table, the choice and the constraint margins. Flags override the
/// fields of <c>--config deploy.json</c>. Exit 3 when no candidate meets the constraints (the closest is still written),
/// or when a <c>--battery-hours</c> target is out of reach (nothing is written; the message gives the best achievable).
/// </summary>
internal static class DeployCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .onnx model to deploy" };
        var device = new Option<string>("--device", "-d")
        {
            Description = "Target: a catalogue name (see `edgeopt devices`) or a device.json custom device", HelpName = "NAME|device.json", Required = true,
        };
        var output = new Option<string>("--output", "-o") { Description = "Folder to write the deployment to (model, package, report.json, report.html)", Required = true };
        var latency = new Option<double?>("--target-latency") { Description = "Latency the model must reach on the target, ms per batch (estimated)", HelpName = "MS" };
        var memory = new Option<double?>("--max-memory") { Description = "Peak memory the model may take on the target, MB (estimated)", HelpName = "MB" };
        var accuracy = new Option<double?>("--target-accuracy") { Description = "Fraction of the FP32 accuracy to keep, e.g. 0.95 (needs --data; fidelity without labels)", HelpName = "FRACTION" };
        var drop = new Option<double?>("--max-accuracy-drop") { Description = "Largest accuracy drop from FP32, in percentage points (needs --data)", HelpName = "PTS" };
        var fidelity = new Option<double?>("--min-fidelity") { Description = "Smallest mean cosine similarity of the outputs to FP32's, e.g. 0.99", HelpName = "COS" };
        var ratio = new Option<double?>("--compression-ratio") { Description = "Largest model size as a fraction of the original's, e.g. 0.3", HelpName = "R" };
        var type = new Option<string?>("--type", "-t") { Description = "Precision to deploy at: auto (search), int8, int8-dynamic, fp16 or int4", HelpName = "TYPE" };
        var batch = new Option<int?>("--batch") { Description = "Inference batch size (default 1)", HelpName = "N" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: searched from 1 to the cores ORT would use)", HelpName = "N" };
        var progressive = new Option<bool>("--progressive") { Description = "Package for progressive loading (browsers: chunked web bundle; others: a progressive package too)" };
        var battery = new Option<bool>("--battery") { Description = "Prefer the candidate with the least energy per inference among those meeting the constraints" };
        var batteryHours = new Option<double?>("--battery-hours")
        {
            Description = "Battery life the deployment must reach at --rate, hours (estimated; the power mode is searched too). Exit 3 when out of reach",
            HelpName = "H",
        };
        var rate = new Option<double?>("--rate") { Description = "Inferences per second the application runs (what battery life, power and temperature are estimated at)", HelpName = "N" };
        var maxPower = new Option<double?>("--max-power") { Description = "Largest average device power at --rate, watts (estimated)", HelpName = "W" };
        var thermalLimit = new Option<double?>("--thermal-limit") { Description = "Largest steady-state temperature at --rate, °C (estimated)", HelpName = "C" };
        var batteryWh = new Option<double?>("--battery-wh") { Description = "Battery capacity in Wh instead of the device's (a board on a battery pack)", HelpName = "WH" };
        var dataPath = new Option<string?>("--data") { Description = "Calibration and evaluation data: image folder, .npz, .npy, IDX or test_data_set folder", HelpName = "DATA" };
        var calibrationSamples = new Option<int?>("--calibration-samples") { Description = "Samples that calibrate static INT8 (the first ones; default 100)", HelpName = "N" };
        var samples = new Option<int?>("--samples") { Description = "Samples evaluated after the calibration ones (default: all)", HelpName = "N" };
        var budget = new Option<string?>("--time-budget") { Description = "Stop the search after this long with the best so far: 90s, 10m, 1h or hh:mm:ss", HelpName = "DURATION" };
        var pruneMacs = new Option<string?>("--prune-macs")
        {
            Description = "Also search structured channel pruning to these fractions of the MACs, comma-separated (e.g. 0.75,0.5), each pruned then quantized at every precision; with --data reconstructed on the calibration samples (costs a pass per target)",
            HelpName = "F,F",
        };
        var configFile = new Option<string?>("--config") { Description = "deploy.json with the constraints (flags override its fields)", HelpName = "deploy.json" };
        var cache = new Option<string?>("--cache") { Description = "Folder of the results store (default: ~/.cache/edgeopt)", HelpName = "DIR" };
        var noCache = new Option<bool>("--no-cache") { Description = "Evaluate every candidate; neither read nor write the results store" };
        var force = new Option<bool>("--force") { Description = "Replace an earlier deployment in the folder (never a folder holding files EdgeOpt did not write)" };
        var package = new Option<bool>("--package")
        {
            Description = "Also write the chosen model's platform package into package/ (as edgeopt package makes it for the device: android, ios, jetson, raspberry-pi, linux-*)",
        };
        var json = new Option<bool>("--json") { Description = "Write the deployment report as one JSON object on stdout, nothing else" };
        var data = new DataOptions();

        var command = new Command("deploy",
            "Search the model's variants for a device (precision, per-channel, ORT graph optimization level, threads, the device's backends), " +
            "measure each here and estimate it on the target, and write the fastest one that meets the constraints, packaged for the " +
            "device, with report.json and report.html. Exit 3 when none meets them (the closest is written).")
        {
            model, device, output, latency, memory, accuracy, drop, fidelity, ratio, type, batch, threads, progressive, battery,
            batteryHours, rate, maxPower, thermalLimit, batteryWh, dataPath, calibrationSamples, samples, budget, pruneMacs, configFile, cache, noCache, force, package, json,
        };
        foreach (var option in data.All) command.Options.Add(option);

        CommandRunner.SetAction(command, (parse, context) =>
        {
            var config = parse.GetValue(configFile) is { } file ? OptimizationConfig.Load(file) : new OptimizationConfig();
            config = config with
            {
                TargetLatencyMs = parse.GetValue(latency) ?? config.TargetLatencyMs,
                MaxMemoryMb = parse.GetValue(memory) ?? config.MaxMemoryMb,
                MinFidelity = parse.GetValue(fidelity) ?? config.MinFidelity,
                CompressionRatio = parse.GetValue(ratio) ?? config.CompressionRatio,
                BatchSize = parse.GetValue(batch) ?? config.BatchSize,
                Threads = parse.GetValue(threads) ?? config.Threads,
                EnableProgressiveLoading = parse.GetValue(progressive) || config.EnableProgressiveLoading,
                BatteryOptimization = parse.GetValue(battery) || config.BatteryOptimization,
                BatteryHours = parse.GetValue(batteryHours) ?? config.BatteryHours,
                RatePerSecond = parse.GetValue(rate) ?? config.RatePerSecond,
                MaxPowerWatts = parse.GetValue(maxPower) ?? config.MaxPowerWatts,
                ThermalLimitCelsius = parse.GetValue(thermalLimit) ?? config.ThermalLimitCelsius,
                BatteryWh = parse.GetValue(batteryWh) ?? config.BatteryWh,
                TimeBudget = parse.GetValue(budget) is { } b ? ParseDuration(b) : config.TimeBudget,
                PruneMacs = parse.GetValue(pruneMacs) is { } macs ? ParseFractions(macs) : config.PruneMacs,
            };
            // One accuracy constraint: a flag replaces the file's, whichever way the file stated it.
            if (parse.GetValue(accuracy) is { } kept) config = config with { TargetAccuracy = kept, MaxAccuracyDrop = parse.GetValue(drop) };
            else if (parse.GetValue(drop) is { } points) config = config with { MaxAccuracyDrop = points, TargetAccuracy = null };
            if (parse.GetValue(type) is { } t) config = config with { Quantization = ParseType(t) };

            if (parse.GetValue(noCache) && parse.GetValue(cache) is not null)
                throw new UsageException("--cache and --no-cache both given: choose one");
            var storePath = parse.GetValue(noCache) ? null
                : parse.GetValue(cache) is { } dir ? Path.Combine(dir, "results.db") : DeployerOptions.DefaultResultsStorePath;
            var deployData = parse.GetValue(dataPath) is { } path
                ? new DeploymentData
                {
                    Path = path,
                    LabelsPath = parse.GetValue(data.Labels),
                    // Image flags only when given: unset, the reading follows the model input (and the cache key stays the same).
                    Source = data.All.Where(o => o != data.Labels).Any(o => parse.GetResult(o) is not null) ? data.SourceOptions(parse) : new SampleSourceOptions(),
                    CalibrationSamples = parse.GetValue(calibrationSamples) ?? 100,
                    Samples = parse.GetValue(samples) ?? 0,
                }
                : null;
            if (deployData is null && parse.GetValue(data.Labels) is not null) throw new UsageException("--labels needs --data: give the data the labels belong to");

            var deployer = EdgeDeployer.Create(parse.GetValue(device)!, config, new DeployerOptions
            {
                ResultsStorePath = storePath, Force = parse.GetValue(force), Package = parse.GetValue(package), Command = CommandLine(parse),
            });
            var result = Deploy(context, deployer, parse.GetValue(model)!, deployData, parse.GetValue(output)!);
            if (parse.GetValue(json)) context.Output.WriteLine(result.ToJson());
            else DeployRenderer.Render(context.Console, result, Path.GetFullPath(parse.GetValue(output)!));
            if (!result.ConstraintsMet)
            {
                context.Error.WriteLine($"error: no candidate meets the constraints; the closest ({result.Chosen.Label}) was written: " +
                    string.Join("; ", result.Checks.Where(c => !c.Met).Select(DeployRenderer.Describe)));
                return ExitCodes.ConstraintsNotMet;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Runs the deployment under a progress bar on stderr (when it is a terminal).</summary>
    internal static DeploymentResult Deploy(CommandContext context, EdgeDeployer deployer, string model, DeploymentData? data, string output) =>
        ProgressDisplay.WithBar<DeployProgress, DeploymentResult>(context, "Deploying",
            p => (p.Candidate is { } c ? $"{p.Stage}: {c}{(p.Message is { } m ? $" ({m})" : "")}" : $"{p.Stage}{(p.Message is { } m2 ? $": {m2}" : "")}", p.Done, p.Total),
            progress => deployer.Deploy(model, data, output, progress));

    /// <summary><c>90s</c>, <c>10m</c>, <c>1.5h</c>, <c>250ms</c>, a number of seconds, or <c>hh:mm:ss</c>.</summary>
    internal static TimeSpan ParseDuration(string text) => Arguments.Duration(text, "--time-budget");

    /// <summary><c>0.75,0.5</c>: the numbers as given; their range is the config's rule (<see cref="OptimizationConfig.Validate"/>).</summary>
    internal static List<double> ParseFractions(string text)
    {
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new UsageException($"--prune-macs '{text}': expected comma-separated fractions of the MACs to keep, e.g. 0.75,0.5");
            values.Add(value);
        }
        return values;
    }

    private static QuantizationType? ParseType(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => null,
        "int8" => QuantizationType.Int8,
        "int8-dynamic" => QuantizationType.Int8Dynamic,
        "fp16" => QuantizationType.Float16,
        "int4" => QuantizationType.Int4,
        _ => throw new UsageException($"--type '{text}': expected auto, int8, int8-dynamic, fp16 or int4"),
    };

    // The command as typed, for the report's provenance (tokens with spaces quoted).
    private static string CommandLine(ParseResult parse) =>
        "edgeopt " + string.Join(" ", parse.Tokens.Select(t => t.Value.Any(char.IsWhiteSpace) ? $"'{t.Value}'" : t.Value));
}
