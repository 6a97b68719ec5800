using System.CommandLine;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt compat MODEL (--device NAME | --backend NAME) [--json]</c>: which nodes an execution provider runs, why
/// the others fall back to CPU, the partition count, and what to do about it. Reads the model only.
/// </summary>
internal static class CompatCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .onnx model to check (read only)" };
        var backend = new Option<string?>("--backend", "-b")
        {
            Description = $"Backend to check: {string.Join(", ", BackendSupport.Supported.Select(BackendSupport.CliName))}",
            HelpName = "NAME",
        };
        var device = new Option<string?>("--device", "-d")
        {
            Description = "Catalogue device (edgeopt devices): checks its first backend that has a support table",
            HelpName = "NAME",
        };
        var json = new Option<bool>("--json") { Description = "Write the report as one JSON object on stdout, nothing else" };
        var command = new Command("compat",
            "Check a model against an ONNX Runtime execution provider's published operator support table: per node supported " +
            "or not with the reason, the partition count, and suggestions (fix shapes, quantize, keep float, replace an op).")
        {
            model, backend, device, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
            Run(context, parse.GetValue(model)!, parse.GetValue(backend), parse.GetValue(device), parse.GetValue(json)));
        return command;
    }

    private static int Run(CommandContext context, string path, string? backendName, string? deviceName, bool asJson)
    {
        var (backend, device) = Resolve(backendName, deviceName);
        CompatibilityReport report;
        using (var model = Model.Load(path)) report = BackendSupport.Check(model, backend);
        if (asJson) CompatRenderer.WriteJson(context, path, device, report);
        else CompatRenderer.Render(context.Console, path, device, report);
        return ExitCodes.Ok;
    }

    private static (AccelerationBackend Backend, EdgeDevice? Device) Resolve(string? backendName, string? deviceName)
    {
        var valid = string.Join(", ", BackendSupport.Supported.Select(BackendSupport.CliName));
        switch (backendName, deviceName)
        {
            case (null, null):
                throw new UsageException($"give --backend NAME ({valid}) or --device NAME");
            case ({ }, { }):
                throw new UsageException("give either --backend or --device, not both");
            case ({ } name, null):
                return (BackendSupport.Parse(name) ?? throw new UsageException($"unknown backend '{name}'; valid backends: {valid}"), null);
            default:
                var device = DeviceCatalog.Find(deviceName!);
                var checkable = device.Backends.Where(b => BackendSupport.Supported.Contains(b)).ToList();
                if (checkable.Count == 0)
                    throw new UsageException($"device '{device.Name}' lists backends {string.Join(", ", device.Backends.Select(BackendSupport.CliName))}, " +
                        $"none with a support table; use --backend ({valid})");
                // The catalogue lists backends best first; the first accelerator beats the CPU-side ones (XNNPACK, WASM).
                var best = checkable.FirstOrDefault(b => b is not (AccelerationBackend.Xnnpack or AccelerationBackend.Wasm), checkable[0]);
                return (best, device);
        }
    }
}
