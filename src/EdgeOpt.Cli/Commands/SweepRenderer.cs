using EdgeOpt.Deployment;
using EdgeOpt.Sweep;
using Spectre.Console;
using static EdgeOpt.Cli.Commands.Units;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="SweepReport"/>: a table per model, one row per device with the chosen variant and its figures.</summary>
internal static class SweepRenderer
{
    public static void Render(IAnsiConsole console, SweepReport report)
    {
        console.MarkupLine(Markup.Escape($"Constraints: {SweepReportFiles.Describe(report.Constraints)}"));
        foreach (var model in report.Models)
        {
            var table = new Table()
                .Title(Markup.Escape(Path.GetFileName(model.Model)))
                .AddColumns("Device", "Chosen", "Latency (est.)", "Size", "Quality", "Pareto front", "Constraints");
            table.Columns[2].RightAligned();
            table.Columns[3].RightAligned();
            foreach (var device in model.Devices)
            {
                var chosen = device.Chosen;
                table.AddRow(
                    Markup.Escape(device.Device),
                    Markup.Escape(chosen?.Precision ?? "none evaluated"),
                    chosen?.EstimatedLatencyMs is { } ms ? Markup.Escape(F($"{ms:0.###} ms")) : "—",
                    chosen?.SizeBytes is { } size ? Markup.Escape(Bytes(size)) : "—",
                    chosen?.Quality is { } q ? Markup.Escape(F($"{q:0.####}") + (chosen.QualityMetric is { } m ? $"\n{m}" : "")) : "—",
                    Markup.Escape(string.Join("\n", device.Candidates.Where(r => r.OnParetoFront).Select(r => r.Precision))),
                    device.ConstraintsMet ? "[green]met[/]" : "[red]not met[/]");
            }
            console.Write(table);
        }
        foreach (var failed in report.Models.SelectMany(m => m.Devices).SelectMany(d => d.Candidates).Where(r => r.Status == CandidateStatus.Failed))
            console.MarkupLine($"[red]{Markup.Escape($"{Path.GetFileName(failed.Model)} on {failed.Device} at {failed.Precision} failed: {failed.Reason}")}[/]");
        if (report.Missing > 0) console.MarkupLine(Markup.Escape($"{report.Missing} candidates have no result yet: rerun the sweep to complete them"));
        console.MarkupLine("Latency on the device is estimated; size, host latency and quality (fidelity to FP32 on random inputs) are measured on this host; " +
            "every candidate is in report.html, report.csv and report.json.");
    }
}
