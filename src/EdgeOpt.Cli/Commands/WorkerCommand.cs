using System.CommandLine;
using System.Runtime.InteropServices;
using EdgeOpt.Sweep;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt worker --cluster CONNECTION [--slots N]</c>: an Orleans silo of the sweep cluster (<see cref="SweepWorker"/>)
/// until Ctrl+C or SIGTERM, when it leaves the cluster gracefully. Exit 2 when the database cannot be reached or the
/// silo cannot join (a port in use).
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var cluster = new Option<string>("--cluster")
        {
            Description = "The PostgreSQL connection string of the cluster's database (Orleans membership and the edgeopt_sweep_results table, " +
                "created when missing; Timeout=5 unless given)",
            HelpName = "CONNECTION",
            Required = true,
        };
        var slots = new Option<int>("--slots")
        {
            Description = "Candidates evaluated at once (default 1: host latencies are then not measured under each other's load)", HelpName = "N",
            DefaultValueFactory = _ => 1,
        };
        var address = new Option<string>("--address")
        {
            Description = "The IP address the other silos and the coordinator reach this worker at (default: this machine's first non-loopback IPv4 address)",
            HelpName = "IP",
        };
        var port = new Option<int>("--port")
        {
            Description = $"The silo-to-silo TCP port (default {WorkerOptions.DefaultPort})", HelpName = "N",
            DefaultValueFactory = _ => WorkerOptions.DefaultPort,
        };
        var gatewayPort = new Option<int>("--gateway-port")
        {
            Description = $"The TCP port the sweep coordinator connects to (default {WorkerOptions.DefaultGatewayPort})", HelpName = "N",
            DefaultValueFactory = _ => WorkerOptions.DefaultGatewayPort,
        };
        var command = new Command("worker",
            "Join the sweep cluster whose database --cluster names and evaluate the candidates `edgeopt sweep --cluster` sends, --slots at once, " +
            "storing each result in the database; the models must be readable at the paths the sweep gives. Stop with Ctrl+C (leaves the cluster; " +
            "candidates in flight are re-run on other workers).")
        {
            cluster, slots, address, port, gatewayPort,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            using var stop = new CancellationTokenSource();
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            var options = new WorkerOptions
            {
                Cluster = parse.GetValue(cluster)!, Slots = parse.GetValue(slots), Address = parse.GetValue(address),
                Port = parse.GetValue(port), GatewayPort = parse.GetValue(gatewayPort),
            };
            return RunAsync(context, options, stop.Token).GetAwaiter().GetResult();

            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true; // leave the cluster cleanly instead of being killed
                stop.Cancel();
            }
        }, interruptible: false);
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, WorkerOptions options, CancellationToken stop)
    {
        await using var worker = await SweepWorker.StartAsync(options, stop).ConfigureAwait(false);
        context.Error.WriteLine($"worker: joined the sweep cluster as {worker.Silo} with {options.Slots} slot{(options.Slots == 1 ? "" : "s")} " +
            $"(EdgeOpt {worker.ToolVersion}); press Ctrl+C to leave");
        context.Error.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            context.Error.WriteLine("worker: leaving the cluster");
        }
        return ExitCodes.Ok;
    }
}
