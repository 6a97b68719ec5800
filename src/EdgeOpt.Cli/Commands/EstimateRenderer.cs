using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeOpt.Analysis;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="LatencyEstimate"/> as Spectre tables or as one JSON object; both say it is estimated and how.</summary>
internal static class EstimateRenderer
{
    private const int TopNodes = 20;

    public static void WriteJson(CommandContext context, string path, LatencyEstimate estimate)
    {
        var body = JsonSerializer.SerializeToNode(estimate, CommandRunner.Json)!.AsObject();
        var root = new JsonObject { ["file"] = Path.GetFullPath(path) };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            root[key] = value;
        }
        context.Output.WriteLine(root.ToJsonString(CommandRunner.Json));
    }

    public static void Render(IAnsiConsole console, string path, LatencyEstimate e)
    {
        var summary = new Table().Title("[bold]Estimate[/] [yellow](ESTIMATED, not measured)[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("File", Esc(Path.GetFullPath(path)));
        summary.AddRow("Device", Esc($"{e.DeviceName} ({e.DeviceId}, {e.Platform})"));
        summary.AddRow("Unit", Esc($"{e.UnitName} ({e.Unit.ToString().ToUpperInvariant()}, {e.UnitChoice})"));
        summary.AddRow("Precision / batch", Esc($"{e.Precision.ToString().ToLowerInvariant()}, batch {e.Batch}"));
        summary.AddRow("Peak / bandwidth", Esc(F($"{e.PeakGops:N0} GOPS, {e.MemoryBandwidthGBps:0.#} GB/s")));
        summary.AddRow("Latency", $"[bold]{Esc(F($"{e.TotalMs:0.###} ms"))}[/] [yellow](estimated)[/]");
        summary.AddRow("MACs / bytes moved", Esc(F($"{e.TotalMacs:N0} MACs, {Bytes(e.TotalBytesMoved)}")));
        summary.AddRow("Bottleneck", Esc(string.Join(", ", e.TimeShareByBound.OrderByDescending(kv => kv.Value)
            .Select(kv => F($"{kv.Key.ToString().ToLowerInvariant()} {kv.Value:P0}"))) + " of the time"));
        console.Write(summary);

        var nodes = new Table().Title(F($"[bold]Nodes[/] (top {Math.Min(TopNodes, e.Nodes.Count)} of {e.Nodes.Count} by estimated time)"))
            .AddColumns("Node", "Op", "MACs", "Bytes moved", "Compute ms", "Memory ms", "Est. ms", "Bound");
        for (var i = 2; i < 7; i++) nodes.Columns[i].RightAligned();
        var ranked = e.Nodes.OrderByDescending(n => n.EstimatedMs).ToList();
        foreach (var n in ranked.Take(TopNodes))
            nodes.AddRow(Esc(n.Name), Esc(n.OpType), F($"{n.Macs:N0}"), Bytes(n.BytesMoved), Ms(n.ComputeMs), Ms(n.MemoryMs), Ms(n.EstimatedMs),
                n.Bound.ToString().ToLowerInvariant());
        if (ranked.Count > TopNodes)
        {
            var rest = ranked.Skip(TopNodes).ToList();
            nodes.AddRow(F($"({rest.Count} others)"), "", F($"{rest.Sum(n => n.Macs):N0}"), Bytes(rest.Sum(n => n.BytesMoved)),
                Ms(rest.Sum(n => n.ComputeMs)), Ms(rest.Sum(n => n.MemoryMs)), Ms(rest.Sum(n => n.EstimatedMs)), "");
        }
        console.Write(nodes);

        var memory = new Table().Title("[bold]Memory[/] [yellow](estimated)[/]").AddColumns("Property", "Value").HideHeaders();
        memory.AddRow("Weights", Bytes(e.WeightBytes));
        memory.AddRow("Peak activations", Bytes(e.PeakActivationBytes) + " (no buffer reuse: an upper bound)");
        memory.AddRow("Peak footprint", $"{Bytes(e.PeakMemoryBytes)} vs {Bytes(e.ClassTargetBytes)} target for a {e.DeviceClass.ToString().ToLowerInvariant()}-end device: " +
            (e.FitsClassTarget ? "[green]fits[/]" : "[red]over[/]"));
        if (e.FitsBrowserInitialLoad is { } fits)
            memory.AddRow("Initial load", $"{Bytes(e.InitialLoadBytes)} vs 50 MB browser target: " + (fits ? "[green]fits[/]" : "[red]over[/]"));
        console.Write(memory);

        console.MarkupLine($"[yellow]ESTIMATED[/] (method: {Esc(e.Method)})");
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    private static string Ms(double ms) => ms.ToString("0.####", CultureInfo.InvariantCulture);
    private static string Esc(string s) => Markup.Escape(s);

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1_000_000 => F($"{bytes / 1e6:0.##} MB"),
        >= 1_000 => F($"{bytes / 1e3:0.##} kB"),
        _ => F($"{bytes} B"),
    };
}
