using System.CommandLine;
using EdgeOpt.Devices;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt devices [NAME] [--json]</c>: lists the device catalogue, or shows one entry in full with the public
/// source of every figure. The list ends with this host (probed by <see cref="HostProbe"/>, figures measured);
/// <c>devices host</c> shows the probe in full. An unknown NAME is a usage error that lists the closest matches.
/// </summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name")
        {
            Description = "A device to show in full (id, name or alias; case, spaces and punctuation do not matter), e.g. 'pixel 8', 'SM-S911', 'rpi5', or 'host' for this machine's probe",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Write the catalogue (or the one device) as one JSON object on stdout, nothing else" };
        var command = new Command("devices",
            "List the device catalogue (phones, tablets, Jetson, Raspberry Pi, Coral, browsers) with memory, bandwidth, " +
            "peak CPU/GPU/NPU throughput and ONNX Runtime backends; with NAME, one device in full with the source of every figure.")
        {
            name, json,
        };
        CommandRunner.SetAction(command, (parse, context) => Run(context, parse.GetValue(name), parse.GetValue(json)));
        return command;
    }

    private static int Run(CommandContext context, string? name, bool asJson)
    {
        if (name is not null && IsHost(name))
        {
            var host = HostProbe.Current;
            if (asJson) CommandRunner.WriteJson(context, new { host, device = host.ToEdgeDevice() });
            else DevicesRenderer.RenderHost(context.Console, host);
            return ExitCodes.Ok;
        }
        if (name is not null)
        {
            var device = DeviceCatalog.Find(name);
            if (asJson) CommandRunner.WriteJson(context, device);
            else DevicesRenderer.RenderDevice(context.Console, device);
            return ExitCodes.Ok;
        }

        var devices = Listed();
        if (asJson) CommandRunner.WriteJson(context, new { devices });
        else DevicesRenderer.RenderTable(context.Console, devices);
        return ExitCodes.Ok;
    }

    // The catalogue, then this host as the probe measured it (EdgePlatform.Desktop, id "host").
    private static IReadOnlyList<EdgeDevice> Listed() => [.. DeviceCatalog.All, HostProbe.Current.ToEdgeDevice()];

    private static bool IsHost(string name) => name.Trim().ToLowerInvariant() is "host" or "this" or "localhost";
}
