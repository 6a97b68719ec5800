using System.Globalization;
using EdgeOpt.Targets;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="PlatformPackage"/>: files, provider reports, checks done here and what only the device can verify.</summary>
internal static class PackageRenderer
{
    public static void Render(IAnsiConsole console, PlatformPackage package)
    {
        var summary = new Table().Title($"[bold]{Esc(PackageTargets.Name(package.Target))} package[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("Folder", Esc(package.Folder));
        if (package.Device is { } device) summary.AddRow("Device", Esc(device));
        summary.AddRow("Precision", Esc(PackagePrecisions.Name(package.Precision)));
        summary.AddRow("ONNX Runtime", Esc(package.OnnxRuntimeVersion));
        console.Write(summary);

        var files = new Table().Title("[bold]Files[/]").AddColumns("File", "Size", "SHA-256");
        files.Columns[1].RightAligned();
        foreach (var file in package.Files) files.AddRow(Esc(file.Path), Units.Bytes(file.Bytes), Esc(file.Sha256[..12]));
        console.Write(files);

        foreach (var provider in package.Providers)
        {
            var color = provider.Suitability switch { ProviderSuitability.Yes => "green", ProviderSuitability.Maybe => "yellow", _ => "red" };
            var table = new Table().Title($"[bold]{Esc(provider.Provider)}[/]: [{color}]{provider.Suitability.ToString().ToUpperInvariant()}[/]").AddColumns("Property", "Value").HideHeaders();
            foreach (var line in provider.Summary) table.AddRow("", Esc(line));
            if (provider.Options.Count > 0) table.AddRow("Options", Esc(string.Join(", ", provider.Options.Select(o => $"{o.Key}={o.Value}"))));
            var byOp = provider.Unsupported.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
            if (byOp.Count > 0)
                table.AddRow("Unsupported", Esc(string.Join("; ", byOp.Take(8).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} ×{g.Count()} ({g.First().Reason})")))));
            foreach (var advice in provider.Advice) table.AddRow("Advice", Esc(advice));
            console.Write(table);
        }

        var checks = new Table().Title("[bold]Verified here[/]").AddColumns("", "Check", "Result");
        foreach (var check in package.Checks) checks.AddRow(check.Passed ? "[green]ok[/]" : "[red]FAILED[/]", Esc(check.What), Esc(check.Detail));
        if (package.Checks.Count > 0) console.Write(checks);
        if (package.DeviceOnly.Count > 0)
        {
            console.MarkupLine("[bold]Only the device can verify[/]");
            foreach (var item in package.DeviceOnly) console.MarkupLine($"  - {Esc(item)}");
        }
        foreach (var note in package.Notes) console.MarkupLine($"[grey]note:[/] {Esc(note)}");
    }

    private static string Esc(string text) => Markup.Escape(text);
}
