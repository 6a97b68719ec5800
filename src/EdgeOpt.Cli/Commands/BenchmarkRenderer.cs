using System.Globalization;
using EdgeOpt.Runtime;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="BenchmarkReport"/>: the settings, then one table per thread count with a row per model.</summary>
internal static class BenchmarkRenderer
{
    public static void Render(IAnsiConsole console, BenchmarkReport r)
    {
        var settings = new Table().Title("[bold]Benchmark[/]").AddColumns("Property", "Value").HideHeaders();
        settings.AddRow("Measured on", Esc(r.MeasuredOn.ToString()));
        settings.AddRow("Execution provider", Esc($"{r.ExecutionProvider} (graph optimization: {r.Optimization.ToString().ToLowerInvariant()})"));
        settings.AddRow("Inputs", Esc(r.Inputs + (r.Batch > 1 ? $", batch {r.Batch}" : "")));
        settings.AddRow("Runs", Esc(r.Runs is { } runs
            ? $"{runs} measured per model after {r.Warmup} warmup, interleaved"
            : $"{F(r.DurationSeconds!.Value, 1)} s per thread count after {r.Warmup} warmup, interleaved"));
        console.Write(settings);

        // Metrics as rows, models as columns: stays readable in 80 columns for a few models.
        foreach (var group in r.Results.GroupBy(x => x.Threads))
        {
            var threads = group.Key;
            var results = group.ToList();
            var table = new Table().Title($"[bold]{threads} thread{(threads == 1 ? "" : "s")}[/]").AddColumn("Measured");
            foreach (var x in results) table.AddColumn(new TableColumn(Esc(Path.GetFileName(x.Model))).RightAligned());
            void Row(string metric, Func<BenchmarkResult, string> cell) => table.AddRow([metric, .. results.Select(cell)]);
            Row("File size", x => Bytes(x.FileBytes));
            Row("Session creation ms", x => F(x.SessionCreationMs, 1));
            Row("First inference ms", x => F(x.FirstInferenceMs, 2));
            Row("[bold]p50 ms[/]", x => $"[bold]{F(x.Latency.P50, 2)}[/]");
            Row("p90 ms", x => F(x.Latency.P90, 2));
            Row("p99 ms", x => F(x.Latency.P99, 2));
            Row("Mean ± std ms", x => $"{F(x.Latency.Mean, 2)} ± {F(x.Latency.StdDev, 2)}");
            Row("Min / max ms", x => $"{F(x.Latency.Min, 2)} / {F(x.Latency.Max, 2)}");
            Row("Inferences/s", x => F(x.InferencesPerSecond, 1));
            if (r.Batch > 1) Row("Items/s", x => F(x.ItemsPerSecond, 1));
            Row("Peak memory", x => Bytes(x.PeakWorkingSetBytes));
            Row("Retained memory", x => Bytes(x.RetainedWorkingSetBytes));
            if (results.Count > 1)
            {
                Row("p50 ratio", x => Ratio(x.P50Ratio, lowerIsBetter: true));
                Row("Throughput ratio", x => Ratio(x.ThroughputRatio, lowerIsBetter: false));
            }
            console.Write(table);
        }
        console.MarkupLine("[dim]Measured on this host; ratios against the first model. Memory: resident set growth from before " +
            "session creation through first inference and warmup (peak) and after warmup (retained).[/]");
    }
    private static string Ratio(double ratio, bool lowerIsBetter)
    {
        var text = $"{F(ratio, 2)}×";
        if (Math.Abs(ratio - 1) < 0.05) return text;
        return (ratio < 1) == lowerIsBetter ? $"[green]{text}[/]" : $"[red]{text}[/]";
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{F(bytes / (double)(1L << 30), 2)} GiB",
        >= 1L << 20 => $"{F(bytes / (double)(1L << 20), 1)} MiB",
        >= 1L << 10 => $"{F(bytes / (double)(1L << 10), 1)} KiB",
        _ => $"{bytes} B",
    };

    private static string Esc(string text) => Markup.Escape(text);
}
