using System.Globalization;
using System.Net;
using System.Text;
using EdgeOpt.Deployment;
using EdgeOpt.Deployment.Reporting;

namespace EdgeOpt.Sweep;

/// <summary>
/// Writes a sweep's report into its folder: report.json (<see cref="SweepReport.ToJson"/>), report.csv (one line per
/// candidate) and report.html (per model the chosen variant per device and each device's Pareto front; self-contained,
/// no script). Each file is written atomically; nothing in them depends on the time of writing, so a rerun that takes
/// every result from the store writes the same bytes.
/// </summary>
public static class SweepReportFiles
{
    /// <summary>The file names written, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["report.json", "report.csv", "report.html"];

    /// <summary>Writes the three files into <paramref name="folder"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(SweepReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        var paths = Names.Select(n => Path.Combine(folder, n)).ToList();
        AtomicFile.WriteAllText(paths[0], report.ToJson() + "\n");
        AtomicFile.WriteAllText(paths[1], Csv(report));
        AtomicFile.WriteAllText(paths[2], Html(report));
        return paths;
    }

    private static readonly string[] CsvHeader =
    [
        "model", "device", "precision", "status", "chosen", "pareto", "meets_constraints", "estimated_latency_ms", "estimated_memory_bytes",
        "size_bytes", "host_latency_p50_ms", "quality", "quality_metric", "reason", "key", "host", "tool_version", "evaluation_seconds",
    ];

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.</summary>
    public static string Csv(SweepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder().Append(string.Join(',', CsvHeader)).Append('\n');
        foreach (var row in report.Models.SelectMany(m => m.Devices).SelectMany(d => d.Candidates))
        {
            string?[] fields =
            [
                row.Model, row.Device, row.Precision, row.Status.ToString(), Bool(row.Chosen), Bool(row.OnParetoFront), Bool(row.MeetsConstraints),
                Number(row.EstimatedLatencyMs), Number(row.EstimatedMemoryBytes), Number(row.SizeBytes), Number(row.MeasuredLatencyP50Ms),
                Number(row.Quality), row.QualityMetric, row.Reason, row.Key, row.Host, row.ToolVersion, Number(row.EvaluationSeconds),
            ];
            sb.Append(string.Join(',', fields.Select(Quote))).Append('\n');
        }
        return sb.ToString();

        static string Bool(bool b) => b ? "true" : "false";
        static string Quote(string? field) => field is null ? ""
            : field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }

    /// <summary>
    /// The HTML report, styled like the deploy report (its stylesheet and Pareto chart): a summary table (model × device →
    /// chosen variant), then per model and device the chart (estimated latency across, quality up, area ∝ size, front
    /// filled, choice ringed) and every candidate, numbered as on the chart.
    /// </summary>
    public static string Html(SweepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>EdgeOpt sweep report</title>\n<style>")
          .Append(DeploymentReportHtml.Css).Append("</style></head><body>\n<h1>EdgeOpt sweep report</h1>\n<p class=\"meta\">Constraints: ")
          .Append(E(Describe(report.Constraints)))
          .Append(". Latency and memory on the device are <span class=\"tag estimated\">estimated</span>; size, host latency and quality are ")
          .Append("<span class=\"tag measured\">measured</span> on the host named per candidate.</p>\n");
        if (report.Missing > 0)
            sb.Append("<p class=\"failed\">").Append(report.Missing.ToString(CultureInfo.InvariantCulture))
              .Append(" candidates have no result yet (an interrupted sweep): rerun it to complete them.</p>\n");

        sb.Append("<h2>Chosen variant per model and device</h2>\n<div class=\"scroll\"><table><tr><th>model</th><th>device</th><th>chosen</th>")
          .Append("<th class=\"estimated\">latency (est.)</th><th class=\"measured\">size</th><th class=\"measured\">quality</th><th>constraints</th></tr>\n");
        foreach (var model in report.Models)
            foreach (var device in model.Devices)
                sb.Append("<tr class=\"").Append(device.ConstraintsMet ? "met" : "not-met").Append("\"><td>").Append(E(Path.GetFileName(model.Model)))
                  .Append("</td><td>").Append(E(device.Device)).Append("</td><td>").Append(E(device.Chosen?.Precision ?? "none evaluated"))
                  .Append("</td><td class=\"num\">").Append(Number(device.Chosen?.EstimatedLatencyMs)).Append("</td><td class=\"num\">")
                  .Append(Number(device.Chosen?.SizeBytes)).Append("</td><td class=\"num\">").Append(Number(device.Chosen?.Quality))
                  .Append("</td><td>").Append(device.ConstraintsMet ? "met" : "not met").Append("</td></tr>\n");
        sb.Append("</table></div>\n");

        foreach (var model in report.Models)
        {
            sb.Append("<h2>").Append(E(Path.GetFileName(model.Model))).Append("</h2>\n<p class=\"meta\"><code>").Append(E(model.Model))
              .Append("</code> sha256 <code>").Append(E(model.ModelSha256)).Append("</code></p>\n");
            foreach (var device in model.Devices) Device(sb, device);
        }
        return sb.Append("</body></html>\n").ToString();
    }

    private static void Device(StringBuilder sb, SweepDeviceReport device)
    {
        sb.Append("<h3>").Append(E(device.Device)).Append("</h3>\n<p>Pareto front (estimated latency, size, quality): ")
          .Append(E(string.Join(", ", device.Candidates.Where(r => r.OnParetoFront).Select(r => r.Precision).DefaultIfEmpty("empty")))).Append("</p>\n");
        var points = device.Candidates
            .Select((r, i) => (Row: r, Number: i + 1))
            .Where(x => x.Row.Status == CandidateStatus.Evaluated && x.Row.EstimatedLatencyMs is not null && x.Row.Quality is not null)
            .Select(x => new ChartPoint(x.Number, x.Row.Precision, x.Row.EstimatedLatencyMs!.Value, x.Row.Quality!.Value, x.Row.SizeBytes, x.Row.OnParetoFront, x.Row.Chosen))
            .ToList();
        if (points.Count > 0)
        {
            var metric = device.Candidates.Select(r => r.QualityMetric).FirstOrDefault(m => m is not null) ?? "quality";
            sb.Append("<figure>").Append(ParetoChartSvg.Render(points, "estimated latency on the device (ms)", metric, q => q.ToString("0.####", CultureInfo.InvariantCulture)))
              .Append("<figcaption>Each candidate at its estimated latency and measured ").Append(E(metric)).Append("; #n is its row below.</figcaption></figure>\n");
        }
        sb.Append("<div class=\"scroll\"><table class=\"candidates\"><tr><th>#</th><th>precision</th><th>status</th><th class=\"estimated\">latency (est.)</th>")
          .Append("<th class=\"estimated\">memory (est.)</th><th class=\"measured\">size</th><th class=\"measured\">host p50 (ms)</th>")
          .Append("<th class=\"measured\">quality</th><th>Pareto</th><th>meets</th><th>host</th></tr>\n");
        var number = 0;
        foreach (var row in device.Candidates)
        {
            number++;
            var classes = string.Join(' ', new[] { row.Chosen ? "chosen" : null, row.OnParetoFront ? "front" : null, row.Status == CandidateStatus.Failed ? "status-failed" : null }.OfType<string>());
            sb.Append("<tr class=\"").Append(classes).Append("\"><td>").Append(number.ToString(CultureInfo.InvariantCulture)).Append("</td><td>")
              .Append(E(row.Precision)).Append(row.Chosen ? " <span class=\"tag chosen\">chosen</span>" : "").Append("</td><td>").Append(E(row.Status.ToString()))
              .Append(row.Reason is { } reason ? "<div class=\"reason\">" + E(reason) + "</div>" : "")
              .Append("</td><td class=\"num\">").Append(Number(row.EstimatedLatencyMs)).Append("</td><td class=\"num\">").Append(Number(row.EstimatedMemoryBytes))
              .Append("</td><td class=\"num\">").Append(Number(row.SizeBytes)).Append("</td><td class=\"num\">").Append(Number(row.MeasuredLatencyP50Ms))
              .Append("</td><td class=\"num\">").Append(Number(row.Quality)).Append(row.QualityMetric is { } m ? " (" + E(m) + ")" : "")
              .Append("</td><td>").Append(row.OnParetoFront ? "yes" : "").Append("</td><td>").Append(row.MeetsConstraints ? "yes" : "no")
              .Append("</td><td class=\"reason\">").Append(E(row.Host ?? "")).Append("</td></tr>\n");
        }
        sb.Append("</table></div>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>"target latency ≤ 50 ms" and so on; "none" without constraints.</summary>
    public static string Describe(SweepConstraints constraints)
    {
        ArgumentNullException.ThrowIfNull(constraints);
        var parts = new List<string>();
        if (constraints.TargetLatencyMs is { } l) parts.Add($"estimated latency ≤ {SweepSpec.Show(l)} ms");
        if (constraints.MaxMemoryMb is { } m) parts.Add($"estimated memory ≤ {SweepSpec.Show(m)} MB");
        if (constraints.MaxSizeMb is { } s) parts.Add($"size ≤ {SweepSpec.Show(s)} MB");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static string Number(double? value) => value is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "";

    private static string Number(long? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "";
}
