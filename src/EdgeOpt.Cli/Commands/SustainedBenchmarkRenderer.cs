using System.Globalization;
using EdgeOpt.Power.Sensors;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="SustainedBenchmarkReport"/>: the settings, a row per window, then drift, the throttling verdict and each sensor's status.</summary>
internal static class SustainedBenchmarkRenderer
{
    public static void Render(IAnsiConsole console, SustainedBenchmarkReport r)
    {
        var settings = new Table().Title("[bold]Sustained run[/]").AddColumns("Property", "Value").HideHeaders();
        settings.AddRow("Model", Esc(r.Model));
        settings.AddRow("Measured on", Esc(r.MeasuredOn.ToString()));
        settings.AddRow("Execution provider", Esc($"{r.ExecutionProvider} (graph optimization: {r.Optimization.ToString().ToLowerInvariant()}), {r.Threads} thread{(r.Threads == 1 ? "" : "s")}"));
        settings.AddRow("Inputs", Esc(r.Inputs + (r.Batch > 1 ? $", batch {r.Batch}" : "")));
        settings.AddRow("Ran", Esc($"{F(r.DurationSeconds, 1)} s in {r.Windows.Count} windows after {r.Warmup} warmup, {r.Inferences} inferences"));
        settings.AddRow("Power from", Esc(r.PowerSource ?? "nothing here measures power"));
        console.Write(settings);

        // Sensor columns only where some window has a value, so a machine without sensors gets a narrow table.
        var power = r.Windows.Any(w => w.PowerWatts is not null);
        var temperature = r.Windows.Any(w => w.MaxTemperatureCelsius is not null);
        var frequency = r.Windows.Any(w => w.CpuFrequencyMHz is not null);
        var table = new Table().Title("[bold]Windows[/]").AddColumn("#").AddColumn(new TableColumn("From s").RightAligned())
            .AddColumn(new TableColumn("Inferences").RightAligned()).AddColumn(new TableColumn("p50 ms").RightAligned());
        if (power) table.AddColumn(new TableColumn("Power W").RightAligned()).AddColumn(new TableColumn("mJ/inference").RightAligned());
        if (temperature) table.AddColumn(new TableColumn("Max °C").RightAligned());
        if (frequency) table.AddColumn(new TableColumn("CPU MHz").RightAligned());
        foreach (var w in r.Windows)
        {
            var cells = new List<string> { (w.Index + 1).ToString(CultureInfo.InvariantCulture), F(w.StartSeconds, 1), w.Inferences.ToString(CultureInfo.InvariantCulture), F(w.MedianMs, 3) };
            if (power) cells.AddRange([Opt(w.PowerWatts, 2), Opt(w.EnergyPerInferenceJoules * 1e3, 3)]);
            if (temperature) cells.Add(Opt(w.MaxTemperatureCelsius, 1));
            if (frequency) cells.Add(Opt(w.CpuFrequencyMHz, 0));
            if (w.Throttling is not null) cells[0] += " [red]![/]";
            table.AddRow([.. cells]);
        }
        console.Write(table);

        console.MarkupLine($"Latency drift (last window p50 / first): [bold]{F(r.LatencyDrift, 2)}×[/] (threshold {F(r.DriftThreshold, 2)}×)");
        console.MarkupLine(r.ThrottlingSuspected
            ? $"[red]Throttling suspected:[/] {Esc(r.ThrottlingReason)}"
            : $"[green]No throttling seen:[/] {Esc(r.ThrottlingReason)}");
        var sensors = new Table().Title("[bold]Sensors[/]").AddColumns("Sensor", "Status");
        foreach (var s in r.Sensors) sensors.AddRow(Esc(s.Kind.ToString()), s.Available ? Esc(s.Detail) : $"[dim]{Esc(s.Detail)}[/]");
        console.Write(sensors);
    }

    private static string Opt(double? value, int decimals) => value is { } v ? F(v, decimals) : "–";

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Esc(string text) => Markup.Escape(text);
}
