using System.CommandLine;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt estimate MODEL --device NAME [--precision fp32|fp16|int8] [--unit cpu|gpu|npu] [--batch N] [--dim NAME=SIZE]... [--threads N] [--recalibrate] [--json]</c>:
/// estimates latency per node and the memory footprint of a model on a catalogue device (or <c>host</c>) by a
/// roofline model. The model is not run; the host's figures come from a cached calibration of ONNX Runtime's kernels
/// (<c>--recalibrate</c> redoes it). Every figure is labelled as estimated with its method.
/// </summary>
internal static class EstimateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .onnx model file to estimate (read only)" };
        var device = new Option<string>("--device")
        {
            Description = "Target device from the catalogue (see 'edgeopt devices'), or 'host' for this machine as probed",
            Required = true,
        };
        var precision = new Option<string>("--precision")
        {
            Description = "Number format the model would run in: fp32, fp16 or int8",
            DefaultValueFactory = _ => new EstimateOptions().Precision.ToString().ToLowerInvariant(),
        };
        var unit = new Option<string?>("--unit")
        {
            Description = "Processor to estimate for: cpu, gpu or npu (default: npu for int8 where present, gpu for fp16, else cpu)",
        };
        var batch = new Option<int>("--batch") { Description = "Items per inference", DefaultValueFactory = _ => new EstimateOptions().Batch };
        var dims = new Option<string[]>("--dim")
        {
            Description = "Size for another symbolic dim, as NAME=SIZE (e.g. --dim seq=128); repeat for several",
            HelpName = "NAME=SIZE",
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "Intra-op threads for a CPU estimate (default: ONNX Runtime's default: one per physical core on the host, one per big/mid core on a catalogue device)",
        };
        var recalibrate = new Option<bool>("--recalibrate")
        {
            Description = "Time ONNX Runtime's kernels on this host again (about 2 s) instead of using the cached calibration, and cache the new one; the host estimate is built from it",
        };
        var json = new Option<bool>("--json") { Description = "Write the estimate (every node, the method) as one JSON object on stdout, nothing else" };
        var command = new Command("estimate",
            "Estimate latency per node and memory footprint of a model on a device by a roofline model " +
            "(max(compute / peak, bytes / bandwidth) with per-op-class efficiencies, plus dispatch overhead per node). " +
            "Every figure is estimated, not measured; the method and the sources of the device figures are printed with it.")
        {
            model, device, precision, unit, batch, dims, threads, recalibrate, json,
        };
        CommandRunner.SetAction(command, (parse, context) => Run(context, parse.GetValue(model)!, parse.GetValue(device)!,
            parse.GetValue(precision)!, parse.GetValue(unit), parse.GetValue(batch), parse.GetValue(dims) ?? [], parse.GetValue(threads),
            parse.GetValue(recalibrate), parse.GetValue(json)));
        return command;
    }

    private static int Run(CommandContext context, string path, string deviceName, string precision, string? unit, int batch, string[] dims,
        int? threads, bool recalibrate, bool asJson)
    {
        var options = new EstimateOptions
        {
            Precision = ParsePrecision(precision),
            Unit = unit is null ? null : ParseUnit(unit),
            Batch = batch,
            DimensionValues = InspectCommand.ParseDims(dims),
            Threads = threads,
        };
        InvalidOptionsException.ThrowIfAny(options.Validate()); // before the device and the model are looked up
        var device = ResolveDevice(deviceName);
        if (recalibrate)
        {
            // The host estimate is built from the calibration; without the flag the cached one (or a first one) is used.
            context.Error.WriteLine("calibrating ONNX Runtime kernels on this host (about 2 s)...");
            var calibration = HostCalibrator.GetOrRun(new HostCalibrationOptions { Recalibrate = true });
            if (IsHost(deviceName)) options = options with { Calibration = calibration };
        }
        LatencyEstimate estimate;
        using (var model = Model.Load(path)) estimate = LatencyEstimator.Estimate(model, device, options);

        if (asJson) EstimateRenderer.WriteJson(context, path, estimate);
        else EstimateRenderer.Render(context.Console, path, estimate);
        return ExitCodes.Ok;
    }

    private static bool IsHost(string name) => string.Equals(name.Trim(), "host", StringComparison.OrdinalIgnoreCase);

    private static EdgeDevice ResolveDevice(string name) => IsHost(name) ? HostProbe.Current.ToEdgeDevice() : DeviceCatalog.Find(name);

    internal static Precision ParsePrecision(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" or "float" => Precision.Fp32,
        "fp16" or "float16" or "half" => Precision.Fp16,
        "int8" or "i8" => Precision.Int8,
        _ => throw new UsageException($"--precision '{text}' is not one of fp32, fp16, int8"),
    };

    internal static ComputeUnitKind ParseUnit(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cpu" => ComputeUnitKind.Cpu,
        "gpu" => ComputeUnitKind.Gpu,
        "npu" => ComputeUnitKind.Npu,
        _ => throw new UsageException($"--unit '{text}' is not one of cpu, gpu, npu"),
    };
}
