using System.Globalization;
using EdgeOpt.Sweep;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="ClusterStatus"/>: a table of the cluster's workers, then one of its sweeps' stored results.</summary>
internal static class SweepStatusRenderer
{
    public static void Render(IAnsiConsole console, ClusterStatus status, DateTimeOffset now)
    {
        console.MarkupLine(Markup.Escape($"Cluster database: {status.Database}"));
        if (status.Workers.Count == 0)
        {
            console.MarkupLine(Markup.Escape("No worker in the cluster" + (status.DeadSilos > 0 ? $" ({status.DeadSilos} dead silos in the membership table)" : "") +
                ": start one per machine with edgeopt worker --cluster <connection string>"));
        }
        else
        {
            var workers = new Table()
                .Title(Markup.Escape($"Workers ({status.Workers.Count(w => w.Status == "active")} active, {status.DeadSilos} dead; times UTC)"))
                .AddColumns("Address", "Gateway", "Host", "Status", "Started", "Last alive", "EdgeOpt", "Slots");
            workers.Columns[0].NoWrap();
            workers.Columns[4].NoWrap();
            workers.Columns[7].RightAligned();
            foreach (var w in status.Workers)
            {
                workers.AddRow(
                    Markup.Escape($"{w.Address}:{w.Port}"),
                    w.GatewayPort is { } gateway and > 0 ? gateway.ToString(CultureInfo.InvariantCulture) : "—",
                    Markup.Escape(w.Host),
                    w.Status == "active" ? "[green]active[/]" : Markup.Escape(w.Status),
                    Markup.Escape(Time(w.Started, now)),
                    Markup.Escape(Ago(now - w.LastAlive)),
                    Markup.Escape(w.ToolVersion is { } version ? ShortVersion(version) : "—"),
                    w.Slots?.ToString(CultureInfo.InvariantCulture) ?? "—");
            }
            console.Write(workers);
        }
        if (status.Sweeps.Count == 0)
        {
            console.MarkupLine("No result stored yet.");
            return;
        }
        var sweeps = new Table().Title("Sweeps (results stored; times UTC)").AddColumns("Sweep id", "Evaluated", "Failed", "Workers", "First started", "Last finished");
        sweeps.Columns[0].NoWrap();
        for (var i = 1; i <= 3; i++) sweeps.Columns[i].RightAligned();
        foreach (var s in status.Sweeps)
        {
            sweeps.AddRow(
                Markup.Escape(s.SweepId),
                s.Evaluated.ToString(CultureInfo.InvariantCulture),
                s.Failed > 0 ? $"[red]{s.Failed.ToString(CultureInfo.InvariantCulture)}[/]" : "0",
                s.Workers.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(Time(s.FirstStarted, now)),
                Markup.Escape(Time(s.LastFinished, now)));
        }
        console.Write(sweeps);
    }

    // Today's times (UTC) as HH:mm:ss, older ones with their date: the tables fit 80 columns.
    private static string Time(DateTimeOffset time, DateTimeOffset now) =>
        time.UtcDateTime.ToString(time.UtcDateTime.Date == now.UtcDateTime.Date ? "HH:mm:ss" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    // An informational version's commit hash cut to 7 digits (0.1.0+960246e); --json has it whole.
    private static string ShortVersion(string version) =>
        version.IndexOf('+', StringComparison.Ordinal) is var plus and >= 0 && version.Length > plus + 8 ? version[..(plus + 8)] : version;

    private static string Ago(TimeSpan age) =>
        age < TimeSpan.FromSeconds(1) ? "now"
        : age < TimeSpan.FromMinutes(2) ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalSeconds:0} s ago")
        : age < TimeSpan.FromHours(2) ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:0} min ago")
        : string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:0} h ago");
}
