using System.Globalization;
using EdgeOpt.Sweep;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="SweepReport"/>: one row per model and device with the chosen variant and its figures.</summary>
internal static class SweepRenderer
{
    public static void Render(IAnsiConsole console, SweepReport report)
    {
        var table = new Table()
            .Title(Markup.Escape($"Sweep: chosen variant per model and device ({SweepReportFiles.Describe(report.Constraints)})"))
            .AddColumns("Model", "Device", "Chosen", "Est. latency", "Size", "Quality", "Pareto front", "Constraints");
        table.Columns[3].RightAligned();
        table.Columns[4].RightAligned();
        foreach (var model in report.Models)
            foreach (var device in model.Devices)
            {
                var chosen = device.Chosen;
                table.AddRow(
                    Markup.Escape(Path.GetFileName(model.Model)),
                    Markup.Escape(device.Device),
                    Markup.Escape(chosen?.Precision ?? "none evaluated"),
                    chosen?.EstimatedLatencyMs is { } ms ? Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{ms:0.###} ms")) : "—",
                    chosen?.SizeBytes is { } size ? Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{size:N0} B")) : "—",
                    chosen?.Quality is { } q ? Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{q:0.####} {chosen.QualityMetric}")) : "—",
                    Markup.Escape(string.Join(", ", device.Candidates.Where(r => r.OnParetoFront).Select(r => r.Precision))),
                    device.ConstraintsMet ? "[green]met[/]" : "[red]not met[/]");
            }
        console.Write(table);
        foreach (var failed in report.Models.SelectMany(m => m.Devices).SelectMany(d => d.Candidates).Where(r => r.Status == Deployment.CandidateStatus.Failed))
            console.MarkupLine($"[red]{Markup.Escape($"{Path.GetFileName(failed.Model)} on {failed.Device} at {failed.Precision} failed: {failed.Reason}")}[/]");
        if (report.Missing > 0) console.MarkupLine(Markup.Escape($"{report.Missing} candidates have no result yet: rerun the sweep to complete them"));
        console.MarkupLine("Latency and memory on the device are estimated; size, host latency and quality are measured on this host (see report.html).");
    }
}
