using System.Globalization;
using EdgeOpt.Runtime;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// The "Evaluation on DATA" table that quantize and prune print after measuring their output against their input
/// on the same data: accuracy where there are labels, fidelity per output, latency, and where it was measured.
/// </summary>
internal static class EvaluationTable
{
    /// <param name="withErrors">Also SQNR and max abs error per output (what quantization changes; pruning reads cosine).</param>
    public static Table Build(string data, EvaluationResult m, string inputHeader, string resultHeader, int cosineDigits, bool withErrors)
    {
        var table = new Table().Title($"[bold]Evaluation on {Markup.Escape(data)} ({m.Samples:N0} samples, measured)[/]")
            .AddColumns("Metric", Markup.Escape(inputHeader), Markup.Escape(resultHeader));
        table.Columns[1].RightAligned();
        table.Columns[2].RightAligned();
        if (m.Top1 is { } top1) table.AddRow("Top-1 accuracy", P(m.ReferenceTop1), $"[bold]{P(top1)}[/]");
        if (m.Top5 is { } top5) table.AddRow("Top-5 accuracy", P(m.ReferenceTop5), P(top5));
        foreach (var f in m.Fidelity)
        {
            table.AddRow(Markup.Escape($"{f.Name}: cosine"), "1", F(f.Cosine, cosineDigits));
            table.AddRow(Markup.Escape($"{f.Name}: top-1 agreement"), "100%", P(f.Top1Agreement));
            if (!withErrors) continue;
            table.AddRow(Markup.Escape($"{f.Name}: SQNR"), "", $"{F(f.SqnrDb, 1)} dB");
            table.AddRow(Markup.Escape($"{f.Name}: max abs error"), "", F(f.MaxAbsError, 5));
        }
        table.AddRow("Latency / sample", m.ReferenceMeanLatencyMs is { } rl ? $"{F(rl, 3)} ms" : "", $"{F(m.MeanLatencyMs, 3)} ms");
        table.AddRow("Measured on", "", Markup.Escape(m.MeasuredOn));
        return table;
    }

    private static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string P(double? fraction) => fraction is { } f ? (f * 100).ToString("F2", CultureInfo.InvariantCulture) + "%" : "n/a";
}
