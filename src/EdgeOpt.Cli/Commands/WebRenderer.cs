using EdgeOpt.Web;
using Spectre.Console;
using static EdgeOpt.Cli.Commands.Units;

namespace EdgeOpt.Cli.Commands;

/// <summary>Human summary of <c>edgeopt web</c>: what the bundle holds and how to serve it.</summary>
internal static class WebRenderer
{
    public static void Render(IAnsiConsole console, WebBundle b)
    {
        var m = b.Manifest;
        var table = new Table().Title("[bold]Web bundle[/]").AddColumns("Property", "Value").HideHeaders();
        table.AddRow("Folder", Esc(b.Folder));
        table.AddRow("Model", Esc($"{m.ModelName} (sha256 {m.ModelSha256[..16]}…)"));
        table.AddRow("Backend", Esc(WebBundler.BackendName(b.Backend) + (b.Backend == WebBackend.Auto ? " (WebGPU when the browser has an adapter, else WebAssembly)" : "")));
        table.AddRow("Threads", b.Threads == 0 ? "the browser's core count (needs cross-origin isolation: COOP/COEP)" : F($"{b.Threads}"));
        table.AddRow("Model files", b.Progressive
            ? F($"progressive: graph {Bytes(m.Graph.Size)} + {m.Chunks.Count} chunks of up to {Bytes(m.ChunkSize)}, SHA-256 verified, cached per chunk")
            : F($"one file, {Bytes(m.Graph.Size)}, SHA-256 verified and cached"));
        table.AddRow("Runtime", F($"onnxruntime-web {b.RuntimeVersion} ({Bytes(b.BytesOf(WebBundleFileKind.Runtime))}, shipped in ort/)"));
        table.AddRow("PWA", b.Pwa ? "service worker (offline after the first visit), manifest.webmanifest, icons" : "no (add --pwa)");
        table.AddRow("Sample", Esc(b.SampleDescription));
        table.AddRow("Total", F($"{b.Files.Count} files, {Bytes(b.TotalBytes)}"));
        foreach (var note in b.Notes) table.AddRow("Note", Esc(note));
        console.Write(table);
        console.MarkupLine(Esc($"Serve it with COOP/COEP headers (threads need them): edgeopt serve {b.Folder}"));
    }

    private static string Esc(string s) => Markup.Escape(s);
}
