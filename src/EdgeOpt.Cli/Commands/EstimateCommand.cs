using System.CommandLine;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt estimate MODEL --device NAME [--precision fp32|fp16|int8] [--unit cpu|gpu|npu] [--batch N] [--dim NAME=SIZE]... [--json]</c>:
/// estimates latency per node and the memory footprint of a model on a catalogue device (or <c>host</c>) by a
/// roofline model. Nothing is run; every figure is labelled as estimated with its method.
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
        var json = new Option<bool>("--json") { Description = "Write the estimate (every node, the method) as one JSON object on stdout, nothing else" };
        var command = new Command("estimate",
            "Estimate latency per node and memory footprint of a model on a device by a roofline model " +
            "(max(compute / peak, bytes / bandwidth) with per-op-class efficiencies, plus dispatch overhead per node). " +
            "Every figure is estimated, not measured; the method and the sources of the device figures are printed with it.")
        {
            model, device, precision, unit, batch, dims, json,
        };
        CommandRunner.SetAction(command, (parse, context) => Run(context, parse.GetValue(model)!, parse.GetValue(device)!,
            parse.GetValue(precision)!, parse.GetValue(unit), parse.GetValue(batch), parse.GetValue(dims) ?? [], parse.GetValue(json)));
        return command;
    }

    private static int Run(CommandContext context, string path, string deviceName, string precision, string? unit, int batch, string[] dims, bool asJson)
    {
        var options = new EstimateOptions
        {
            Precision = ParsePrecision(precision),
            Unit = unit is null ? null : ParseUnit(unit),
            Batch = batch,
            DimensionValues = InspectCommand.ParseDims(dims),
        };
        InvalidOptionsException.ThrowIfAny(options.Validate()); // before the device and the model are looked up
        var device = ResolveDevice(deviceName);
        LatencyEstimate estimate;
        using (var model = Model.Load(path)) estimate = LatencyEstimator.Estimate(model, device, options);

        if (asJson) EstimateRenderer.WriteJson(context, path, estimate);
        else EstimateRenderer.Render(context.Console, path, estimate);
        return ExitCodes.Ok;
    }

    private static EdgeDevice ResolveDevice(string name) =>
        string.Equals(name.Trim(), "host", StringComparison.OrdinalIgnoreCase) ? HostProbe.Current.ToEdgeDevice() : DeviceCatalog.Find(name);

    internal static Precision ParsePrecision(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" or "float" => Precision.Fp32,
        "fp16" or "float16" or "half" => Precision.Fp16,
        "int8" or "i8" => Precision.Int8,
        _ => throw new UsageException($"--precision '{text}' is not one of fp32, fp16, int8"),
    };

    private static ComputeUnitKind ParseUnit(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cpu" => ComputeUnitKind.Cpu,
        "gpu" => ComputeUnitKind.Gpu,
        "npu" => ComputeUnitKind.Npu,
        _ => throw new UsageException($"--unit '{text}' is not one of cpu, gpu, npu"),
    };
}
