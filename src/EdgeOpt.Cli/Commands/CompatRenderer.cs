using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="CompatibilityReport"/> as Spectre tables or as one JSON object.</summary>
internal static class CompatRenderer
{
    private const int MaxUnsupportedRows = 40;

    public static void WriteJson(CommandContext context, string path, EdgeDevice? device, CompatibilityReport r) =>
        CommandRunner.WriteJson(context, new
        {
            File = Path.GetFullPath(path),
            Device = device?.Id,
            Backend = BackendSupport.CliName(r.Backend),
            r.TableSource,
            TotalNodes = r.Nodes.Count,
            r.SupportedNodes,
            r.Partitions,
            Nodes = r.Nodes.Select(n => new
            {
                n.Node.Name,
                n.OpType,
                Domain = n.Domain.Length > 0 ? n.Domain : "ai.onnx",
                n.Supported,
                n.Cause,
                n.Reason,
            }),
            r.Suggestions,
        });

    public static void Render(IAnsiConsole console, string path, EdgeDevice? device, CompatibilityReport r)
    {
        var summary = new Table().Title("[bold]Backend compatibility[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("File", Esc(Path.GetFullPath(path)));
        if (device is not null) summary.AddRow("Device", Esc($"{device.Name} (first backend with a table: {BackendSupport.CliName(r.Backend)})"));
        summary.AddRow("Backend", Esc(BackendSupport.CliName(r.Backend)));
        var share = r.Nodes.Count > 0 ? ((double)r.SupportedNodes / r.Nodes.Count).ToString("P0", CultureInfo.InvariantCulture) : "-";
        summary.AddRow("Supported nodes", $"[bold]{r.SupportedNodes}[/] of {r.Nodes.Count} ({share})");
        var partitionColor = r.Partitions > 2 ? "yellow" : "green";
        summary.AddRow("Partitions", $"[{partitionColor}]{r.Partitions}[/]" + (r.Partitions > 2 && r.Backend is not (AccelerationBackend.Xnnpack or AccelerationBackend.Wasm)
            ? " (each costs a copy to and from the CPU)" : ""));
        summary.AddRow("Table", Esc(r.TableSource));
        console.Write(summary);

        var unsupported = r.Nodes.Where(n => !n.Supported).ToList();
        if (unsupported.Count > 0)
        {
            var table = new Table().Title("[bold]Unsupported nodes[/]").AddColumns("Node", "Op", "Cause", "Reason");
            foreach (var n in unsupported.Take(MaxUnsupportedRows))
                table.AddRow(Esc(n.Node.Name.Length > 0 ? n.Node.Name : n.Node.DisplayName), Esc(n.OpType), Esc(n.Cause?.ToString() ?? ""), Esc(n.Reason ?? ""));
            console.Write(table);
            if (unsupported.Count > MaxUnsupportedRows)
                console.MarkupLine($"... and {unsupported.Count - MaxUnsupportedRows} more unsupported nodes (--json lists all)");
        }

        if (r.Suggestions.Count > 0)
        {
            var table = new Table().Title("[bold]Suggestions[/]").AddColumns("Kind", "What to do", "Command");
            foreach (var s in r.Suggestions) table.AddRow(Esc(s.Kind.ToString()), Esc(s.Text), Esc(s.Command ?? ""));
            console.Write(table);
        }
    }

    private static string Esc(string text) => Markup.Escape(text);
}
