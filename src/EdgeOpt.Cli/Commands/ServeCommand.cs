using System.CommandLine;
using System.Runtime.InteropServices;
using EdgeOpt.Cli.Serving;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt serve DIR [--port N]</c> serves a web bundle or progressive package on 127.0.0.1 with cross-origin
/// isolation headers until Ctrl+C. The URL goes to stdout (one line, for scripts); request logs go to stderr.
/// </summary>
internal static class ServeCommand
{
    public const int DefaultPort = 8080;

    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "The bundle or package folder to serve (e.g. the output of `edgeopt progressive`)" };
        var port = new Option<int>("--port", "-p")
        {
            Description = "Port on 127.0.0.1; 0 picks a free one",
            DefaultValueFactory = _ => DefaultPort,
        };
        var command = new Command("serve",
            "Serve a folder on 127.0.0.1 for browsers: COOP/COEP headers (so WASM threads work), correct MIME types, immutable " +
            "caching for content-addressed chunks, no-cache for the manifest, Range requests, and nothing outside the folder. Stop with Ctrl+C.")
        {
            folder, port,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            // CliApp.Run invokes synchronously, so stopping on Ctrl+C / SIGTERM is handled here rather than by System.CommandLine.
            using var stop = new CancellationTokenSource();
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            return RunAsync(context, parse.GetValue(folder)!, parse.GetValue(port), stop.Token).GetAwaiter().GetResult();

            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true; // shut down cleanly instead of being killed
                stop.Cancel();
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, string folder, int port, CancellationToken cancellationToken)
    {
        await using var server = new BundleServer(context.Error);
        var url = await server.StartAsync(folder, port, cancellationToken).ConfigureAwait(false);
        context.Output.WriteLine(url.AbsoluteUri);
        context.Output.Flush();
        context.Error.WriteLine($"serving '{Path.GetFullPath(folder)}' at {url.AbsoluteUri}; press Ctrl+C to stop");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Error.WriteLine("stopped");
        }
        return ExitCodes.Ok;
    }
}
