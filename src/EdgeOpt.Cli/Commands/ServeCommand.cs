using System.CommandLine;
using System.Runtime.InteropServices;
using EdgeOpt.Web.Serving;

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
        // Parsed here rather than by System.CommandLine, so a bad value is one "error:" line like every other bad input.
        var port = new Option<string>("--port", "-p")
        {
            Description = "Port on 127.0.0.1 (1 to 65535); 0 picks a free one",
            DefaultValueFactory = _ => DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            HelpName = "N",
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
            var portNumber = ParsePort(parse.GetValue(port)!);
            return RunAsync(context, parse.GetValue(folder)!, portNumber, stop.Token).GetAwaiter().GetResult();

            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true; // shut down cleanly instead of being killed
                stop.Cancel();
            }
        }, interruptible: false);
        return command;
    }

    internal static int ParsePort(string text) =>
        // A number out of range is left to the server, which says "port N is out of range".
        int.TryParse(text.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new UsageException($"--port '{text}' is not a port number; expected 1 to 65535, or 0 for a free one");

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
            // Stopping first writes out the request lines still queued, so "stopped" stays the last line.
            await server.DisposeAsync().ConfigureAwait(false);
            // Bounded: when nobody reads stderr (its pipe full) the line can never be written, and waiting for it kept
            // the process from exiting on SIGTERM. Returning ends the process even with that write still blocked.
            var stopped = Task.Run(() => context.Error.WriteLine("stopped"), CancellationToken.None);
            await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }
}
