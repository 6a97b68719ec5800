using System.CommandLine;
using System.Globalization;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Power;
using EdgeOpt.Runtime;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt power MODEL --device NAME|device.json [--precision …] [--unit …] [--rate N/s | --duty D] [--mode …] [--json]</c>:
/// energy per inference, battery life, the performance/balanced/battery-saver trade-off and the thermal outlook,
/// estimated from the model's per-node cost and the device's power figures; <c>edgeopt power --validate</c> prints the
/// model against published measurements; <c>edgeopt power MODEL --measure 2m</c> measures this machine instead (the
/// sustained benchmark).
/// </summary>
internal static class PowerCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("model") { Description = "The .onnx model file (read only); not needed with --validate", Arity = ArgumentArity.ZeroOrOne };
        var device = new Option<string?>("--device")
        {
            Description = "Target: a catalogue device with power figures (see 'edgeopt devices') or a device.json with a \"power\" object",
            HelpName = "NAME|device.json",
        };
        var precision = new Option<string>("--precision") { Description = "Number format the model runs in: fp32, fp16 or int8", DefaultValueFactory = _ => "fp32" };
        var unit = new Option<string?>("--unit") { Description = "Processor: cpu, gpu or npu (default: npu for int8 where present, gpu for fp16, else cpu)" };
        var batch = new Option<int>("--batch") { Description = "Items per inference (energy is per item)", DefaultValueFactory = _ => 1 };
        var dims = new Option<string[]>("--dim")
        {
            Description = "Size for a symbolic dim, as NAME=SIZE (e.g. --dim sequence=128); repeat for several",
            HelpName = "NAME=SIZE",
        };
        var threads = new Option<int?>("--threads") { Description = "Intra-op threads for a CPU estimate (default: ONNX Runtime's default for the device)" };
        var rate = new Option<string?>("--rate") { Description = "Inferences per second the application needs, e.g. 10 or 10/s (default: back to back)", HelpName = "N/s" };
        var duty = new Option<double?>("--duty") { Description = "Share of the time the model runs, in (0, 1] (instead of --rate)" };
        var mode = new Option<string>("--mode") { Description = "Power mode of the headline figures: performance, balanced or battery-saver (all three are in the table)", DefaultValueFactory = _ => "performance" };
        var ambient = new Option<double>("--ambient") { Description = "Room temperature for the thermal model, °C", DefaultValueFactory = _ => PowerOptions.Default.AmbientC };
        var batteryWh = new Option<double?>("--battery-wh") { Description = "Battery capacity in Wh instead of the device's (e.g. a board on a battery pack)" };
        var measure = new Option<string?>("--measure")
        {
            Description = "Measure instead of estimating: run the model on this machine without pause this long (e.g. 30s, 2m), the same run as " +
                "'benchmark --sustained': latency drift, and power, energy per inference, temperature and frequency where sensors exist",
            HelpName = "DURATION",
        };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "With --measure: shape of a generated input with free dims, e.g. --shape input=1x3x224x224 (repeatable), as for 'benchmark'",
            HelpName = "NAME=DIMS",
        };
        var validate = new Option<bool>("--validate") { Description = "Print the energy model against published measurements (MLPerf v3.0 power, Coral, Raspberry Pi 4) on ResNet-50 v1.5, fitted and held-out anchors apart" };
        var json = new Option<bool>("--json") { Description = "Write the result as one JSON object on stdout, nothing else" };
        var command = new Command("power",
            "Estimate energy per inference, battery life, power modes (performance / balanced / battery-saver) and the thermal outlook " +
            "of a model on a device. Every figure is estimated from the model's MACs and bytes and the device's published power figures; " +
            "the coefficients and their sources are listed, fitted ones marked. Measure on a device with 'edgeopt benchmark --sustained'.")
        {
            model, device, precision, unit, batch, dims, threads, rate, duty, mode, ambient, batteryWh, measure, shapes, validate, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            if (parse.GetValue(validate)) return Validate(context, parse.GetValue(json));
            var path = parse.GetValue(model) ?? throw new UsageException("a model is needed (or --validate)");
            if (parse.GetValue(shapes) is { Length: > 0 } && parse.GetValue(measure) is null)
                throw new UsageException("--shape is for --measure (generated inputs of the measured run); an estimate takes symbolic dims with --dim NAME=SIZE");
            if (parse.GetValue(measure) is { } duration)
            {
                // Measuring happens where the command runs: a target device's figures can only be estimated from here.
                if (parse.GetValue(device) is { } target && !string.Equals(target.Trim(), "host", StringComparison.OrdinalIgnoreCase))
                    throw new UsageException($"--measure measures this machine, not '{target}': run it on the device, or drop --measure to estimate '{target}'");
                var benchmark = new BenchmarkOptions
                {
                    Threads = parse.GetValue(threads) is { } n ? [n] : [1],
                    Batch = parse.GetValue(batch),
                    Shapes = BenchmarkCommand.ParseShapes(parse.GetValue(shapes) ?? []),
                };
                return BenchmarkCommand.Sustained(context, [path], duration, benchmark, parse.GetValue(json), "--measure");
            }
            var name = parse.GetValue(device) ?? throw new UsageException("--device is needed: a catalogue name or a device.json with a \"power\" object");
            var options = new PowerOptions
            {
                Precision = EstimateCommand.ParsePrecision(parse.GetValue(precision)!),
                Unit = parse.GetValue(unit) is { } u ? EstimateCommand.ParseUnit(u) : null,
                Batch = parse.GetValue(batch),
                DimensionValues = InspectCommand.ParseDims(parse.GetValue(dims) ?? []),
                Threads = parse.GetValue(threads),
                RatePerSecond = parse.GetValue(rate) is { } r ? ParseRate(r) : null,
                DutyCycle = parse.GetValue(duty),
                Mode = ParseMode(parse.GetValue(mode)!),
                AmbientC = parse.GetValue(ambient),
                BatteryWh = parse.GetValue(batteryWh),
            };
            return Run(context, path, name, options, parse.GetValue(json));
        });
        return command;
    }

    private static int Run(CommandContext context, string path, string deviceName, PowerOptions options, bool asJson)
    {
        InvalidOptionsException.ThrowIfAny(options.Validate()); // before the device and the model are looked up
        // The host has no published power figures: probed like 'estimate --device host', then refused naming what to give.
        var device = string.Equals(deviceName.Trim(), "host", StringComparison.OrdinalIgnoreCase)
            ? HostProbe.Current.ToEdgeDevice()
            : ResolvedDevice.Resolve(deviceName).Device;
        PowerAnalyzer.Require(device);
        PowerReport report;
        using (var model = Model.Load(path)) report = PowerAnalyzer.Analyze(model, device, options);
        if (asJson) PowerRenderer.WriteJson(context, path, report);
        else PowerRenderer.Render(context.Console, path, report);
        return ExitCodes.Ok;
    }

    private static int Validate(CommandContext context, bool asJson)
    {
        context.Error.WriteLine("building ResNet-50 v1.5 and estimating it on each anchor's device...");
        var checks = PowerValidation.Run();
        if (asJson) PowerRenderer.WriteValidationJson(context, checks);
        else PowerRenderer.RenderValidation(context.Console, checks);
        return ExitCodes.Ok;
    }

    internal static double ParseRate(string text)
    {
        var t = text.Trim();
        if (t.EndsWith("/s", StringComparison.OrdinalIgnoreCase)) t = t[..^2].TrimEnd();
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new UsageException($"--rate '{text}' is not a number of inferences per second (e.g. 10 or 10/s)");
    }

    internal static PowerModeKind ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "performance" or "perf" => PowerModeKind.Performance,
        "balanced" => PowerModeKind.Balanced,
        "battery-saver" or "batterysaver" or "battery" or "saver" => PowerModeKind.BatterySaver,
        _ => throw new UsageException($"--mode '{text}' is not one of performance, balanced, battery-saver"),
    };
}
