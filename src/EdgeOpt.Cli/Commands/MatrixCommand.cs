using System.CommandLine;
using EdgeOpt.Deployment;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt matrix MODEL [--devices LIST] [--precision fp32|fp16|int8] [--batch N] [--dim NAME=SIZE]... [--threads N]
/// [--runs N] [--no-host] [--json]</c>: the device testing matrix — per device the estimated latency and memory, fit,
/// best backend and partitions and a suggested config, plus this host measured with ONNX Runtime.
/// </summary>
internal static class MatrixCommand
{
    /// <summary>The seed's device testing matrix: a phone of each kind, an embedded board and a browser.</summary>
    public const string DefaultDevices = "iphone-14-pro,pixel-7,jetson-orin-nano,chrome-desktop";

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .onnx model (read only)" };
        var devices = new Option<string[]>("--devices", "-d")
        {
            Description = $"Devices, comma-separated or repeated: catalogue names (edgeopt devices), device.json files, or 'host' for this machine estimated (default {DefaultDevices})",
            HelpName = "NAME,...",
        };
        var defaults = DeviceMatrixOptions.Default;
        var precision = new Option<string>("--precision")
        {
            Description = "Number format the devices are estimated at: fp32, fp16 or int8 (the host row measures the model as given)",
            DefaultValueFactory = _ => defaults.Precision.ToString().ToLowerInvariant(),
        };
        var batch = new Option<int>("--batch") { Description = "Items per inference", DefaultValueFactory = _ => defaults.Batch, HelpName = "N" };
        var dims = new Option<string[]>("--dim")
        {
            Description = "Size for another symbolic dim, as NAME=SIZE (e.g. --dim sequence_length=128); repeat for several",
            HelpName = "NAME=SIZE",
        };
        var threads = new Option<int?>("--threads") { Description = "Intra-op threads of the host measurement (default: every logical core)", HelpName = "N" };
        var runs = new Option<int>("--runs") { Description = "Timed inferences of the host measurement", DefaultValueFactory = _ => defaults.HostRuns, HelpName = "N" };
        var noHost = new Option<bool>("--no-host") { Description = "Estimates only: do not run the model on this host" };
        var json = new Option<bool>("--json") { Description = "Write the matrix as one JSON object on stdout, nothing else" };
        var command = new Command("matrix",
            "Device testing matrix: for each device the estimated latency and memory, whether it fits the device class, the best backend " +
            "and its partitions (operator support tables) and a suggested config (precision, backend, threads); plus a row for this host " +
            "measured with ONNX Runtime. Every row says whether its figures are estimated or measured.")
        {
            model, devices, precision, batch, dims, threads, runs, noHost, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            var options = new DeviceMatrixOptions
            {
                Precision = EstimateCommand.ParsePrecision(parse.GetValue(precision)!),
                Batch = parse.GetValue(batch),
                DimensionValues = InspectCommand.ParseDims(parse.GetValue(dims) ?? []),
                HostThreads = parse.GetValue(threads),
                HostRuns = parse.GetValue(runs),
                MeasureHost = !parse.GetValue(noHost),
            };
            return Run(context, parse.GetValue(model)!, ParseDevices(parse.GetValue(devices)), options, parse.GetValue(json));
        });
        return command;
    }

    private static int Run(CommandContext context, string path, IReadOnlyList<string> devices, DeviceMatrixOptions options, bool asJson)
    {
        var matrix = DeviceMatrix.Build(path, devices, options);
        if (asJson) MatrixRenderer.WriteJson(context, path, matrix);
        else MatrixRenderer.Render(context.Console, path, matrix);
        return ExitCodes.Ok;
    }

    private static List<string> ParseDevices(string[]? values)
    {
        var list = (values is { Length: > 0 } ? values : [DefaultDevices])
            .SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries))
            .ToList();
        if (list.Any(d => d.Length == 0)) throw new UsageException("--devices has an empty name: list devices as NAME,NAME (edgeopt devices lists them)");
        return list;
    }
}
