using System.CommandLine;
using EdgeOpt.Sweep;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt sweep SWEEP.json -o OUT/</c>: evaluates every model × device × precision of a sweep file on Orleans
/// (<see cref="SweepRunner"/>, an in-process silo, or with <c>--cluster</c> the <c>edgeopt worker</c>s of a PostgreSQL-backed
/// cluster), skipping what OUT/results.db (or the cluster's results table) already holds, and prints the chosen
/// variant per model and device; <c>edgeopt sweep report OUT/</c> renders a sweep folder again; <c>edgeopt sweep status
/// --cluster CONNECTION</c> shows a cluster's workers and stored results (<see cref="ClusterStatus"/>). Exit 2 for a bad
/// sweep file (every problem listed, nothing written), 3 when some model and device has no variant meeting the constraints.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("sweep") { Description = "The sweep file: models, devices, precisions and constraints (JSON)" };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Folder of the sweep: results.db (every result by content key; a rerun skips what it holds), sweep.json, report.json/csv/html",
            Required = true,
        };
        var parallel = new Option<int>("--parallel")
        {
            Description = "Candidates evaluated at once (default 1: host latencies are then not measured under each other's load)", HelpName = "N",
            DefaultValueFactory = _ => 1,
        };
        var cluster = new Option<string>("--cluster")
        {
            Description = "Evaluate on a cluster of `edgeopt worker`s instead of in this process: the PostgreSQL connection string of the cluster's " +
                "database (Orleans membership and the edgeopt_sweep_results table, created when missing; Timeout=5 unless given). " +
                "Candidates the table holds are not evaluated again",
            HelpName = "CONNECTION",
        };
        var modelsUrl = new Option<string>("--models-url")
        {
            Description = "With --cluster: workers fetch each model by its file name under this http(s) URL (verified by SHA-256, cached per hash) " +
                "instead of reading the sweep's paths",
            HelpName = "URL",
        };
        var json = new Option<bool>("--json") { Description = "Write the sweep report as one JSON object on stdout, nothing else" };
        var command = new Command("sweep",
            "Evaluate every model x device x precision of a sweep file on Orleans (an in-process silo), store each result in OUT/results.db " +
            "(a rerun evaluates only what is missing), and report per model the chosen variant per device and the Pareto fronts. " +
            "Exit 3 when a model and device have no variant meeting the constraints.")
        {
            file, output, parallel, cluster, modelsUrl, json, CreateReport(), CreateStatus(),
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            if (parse.GetValue(parallel) < 1) throw new UsageException($"--parallel {parse.GetValue(parallel)}: expected at least 1");
            var connection = parse.GetValue(cluster);
            if (connection is not null && parse.GetResult(parallel) is { Implicit: false })
                throw new UsageException("--parallel is for the in-process sweep; with --cluster each worker's --slots says how many candidates it evaluates at once");
            var url = parse.GetValue(modelsUrl) is { } text ? ParseUrl(text) : null;
            if (url is not null && connection is null) throw new UsageException("--models-url is for --cluster: an in-process sweep reads the models itself");
            var spec = SweepSpec.Load(parse.GetValue(file)!);
            var gate = new Lock();
            var progress = new InlineProgress<SweepProgress>(p =>
            {
                lock (gate) context.Error.WriteLine(p.Total > 0 && p.Done > 0 ? $"sweep: [{p.Done}/{p.Total}] {p.Message}" : $"sweep: {p.Message}");
            });
            var outcome = connection is null
                ? SweepRunner.RunAsync(spec, parse.GetValue(output)!, parse.GetValue(parallel), progress).GetAwaiter().GetResult()
                : SweepRunner.RunOnClusterAsync(spec, parse.GetValue(output)!, connection, url, progress).GetAwaiter().GetResult();
            context.Error.WriteLine($"sweep: {outcome.Evaluated} evaluated, {outcome.Cached} from the results store; report in {string.Join(", ", outcome.Files)}");
            return Finish(parse.GetValue(json), context, outcome.Report);
        });
        return command;
    }

    // A folder URL: a missing final slash is added, so file names resolve under it rather than beside it.
    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new UsageException($"--models-url {text}: expected an absolute http:// or https:// URL");

    private static Command CreateReport()
    {
        var folder = new Argument<string>("folder") { Description = "The -o folder of an edgeopt sweep run" };
        var json = new Option<bool>("--json") { Description = "Write the sweep report as one JSON object on stdout, nothing else" };
        var command = new Command("report",
            "Render a sweep folder from its results store alone: writes report.json, report.csv and report.html into it and prints the chosen " +
            "variant per model and device. Exit 3 when a model and device have no variant meeting the constraints.")
        {
            folder, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            var outcome = SweepRunner.Report(parse.GetValue(folder)!);
            context.Error.WriteLine($"sweep report: {string.Join(", ", outcome.Files)}");
            return Finish(parse.GetValue(json), context, outcome.Report);
        });
        return command;
    }

    private static Command CreateStatus()
    {
        var cluster = new Option<string>("--cluster")
        {
            Description = "The PostgreSQL connection string of the cluster's database (Timeout=5 unless given); nothing is written to it",
            HelpName = "CONNECTION",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Write the status as one JSON object on stdout, nothing else" };
        var command = new Command("status",
            "Show the sweep cluster's state from its database alone: the workers Orleans' membership table lists (address, ports, host, " +
            "status, start and last-alive times, EdgeOpt version and slots) and per sweep id the results stored (evaluated, failed, last finished).")
        {
            cluster, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            var status = ClusterStatus.Read(parse.GetValue(cluster)!);
            if (parse.GetValue(json)) context.Output.WriteLine(status.ToJson());
            else SweepStatusRenderer.Render(context.Console, status, DateTimeOffset.UtcNow);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int Finish(bool json, CommandContext context, SweepReport report)
    {
        if (json) context.Output.WriteLine(report.ToJson());
        else SweepRenderer.Render(context.Console, report);
        if (report.ConstraintsMet) return ExitCodes.Ok;
        context.Error.WriteLine("error: no variant meets the constraints for " + string.Join(", ",
            report.Models.SelectMany(m => m.Devices.Where(d => !d.ConstraintsMet).Select(d => $"{Path.GetFileName(m.Model)} on {d.Device}")))
            + $" ({SweepReportFiles.Describe(report.Constraints)}); the closest is shown");
        return ExitCodes.ConstraintsNotMet;
    }
}
