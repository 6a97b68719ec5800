using System.Text.Json.Serialization;

namespace EdgeOpt.Web;

/// <summary><c>bundle.json</c>: everything the page (app.js) needs to know about the model, runtime and sample.</summary>
internal sealed record WebBundleConfig
{
    /// <summary>The value of <see cref="Format"/>: marks a folder as an EdgeOpt web bundle, so <c>--force</c> may replace it.</summary>
    public const string FormatName = "edgeopt-web-bundle";

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = 1;
    public required string Title { get; init; }
    public required string Backend { get; init; }
    public required int Threads { get; init; }
    public required int MaxThreads { get; init; }
    public required bool Pwa { get; init; }
    public WebPowerConfig Power { get; init; } = WebPowerConfig.Default;
    public required WebRuntimeConfig Runtime { get; init; }

    /// <summary>Backend (wasm, webgpu, webgl) → every file under <c>ort/</c> it loads: what the service worker keeps for offline use.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> RuntimeFiles { get; init; }
    public required WebModelConfig Model { get; init; }
    public required IReadOnlyList<WebInputConfig> Inputs { get; init; }
    public required IReadOnlyList<string> Outputs { get; init; }
    public required string SampleDescription { get; init; }
    public WebImageConfig? Image { get; init; }
    public IReadOnlyList<string>? Labels { get; init; }
}

/// <summary>
/// The page's power modes (app.js): <see cref="Mode"/> is the one it runs in unless the battery is discharging at or below
/// <see cref="SaverAtOrBelow"/> (a fraction, from <c>navigator.getBattery()</c> where the browser offers it) or the user picks
/// another; battery-saver runs the wasm backend on at most <see cref="SaverThreads"/> threads; <see cref="MaxRate"/>: mode →
/// most inferences per second of the continuous run, 0 for no cap.
/// </summary>
internal sealed record WebPowerConfig(string Mode, double SaverAtOrBelow, int SaverThreads, IReadOnlyDictionary<string, double> MaxRate)
{
    // Balanced: the configured threads, with the continuous run capped at what a live preview needs; battery-saver: one
    // thread (no pool of busy workers) and a few inferences a second, so a discharging device keeps working longer.
    public static readonly WebPowerConfig Default = new("balanced", 0.2, 1,
        new Dictionary<string, double> { ["performance"] = 0, ["balanced"] = 10, ["battery-saver"] = 2 });
}

/// <summary>Entry modules under <c>ort/</c> per backend (only those shipped).</summary>
internal sealed record WebRuntimeConfig(string Version, string? Wasm, string? WebGpu, string? WebGl);

internal sealed record WebModelConfig(string Path, bool Progressive, string Name, string Sha256, long TotalBytes, int Chunks);

/// <summary>A model input: its onnxruntime-web type name, the shape the page feeds, and the sample file (raw little-endian bytes).</summary>
internal sealed record WebInputConfig(string Name, string Type, IReadOnlyList<long> Shape, string Sample);

/// <summary>How app.js turns a chosen image into <see cref="Input"/>: pixels 0..255 → (p * Scale - Mean[c]) / Std[c].</summary>
internal sealed record WebImageConfig(
    string Input, int Width, int Height, int Channels, string Layout, bool Bgr, float Scale,
    IReadOnlyList<float> Mean, IReadOnlyList<float> Std, string Resize, float CropFraction);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(WebBundleConfig))]
internal sealed partial class WebBundleJsonContext : JsonSerializerContext;

/// <summary><c>manifest.webmanifest</c> (W3C Web Application Manifest): what makes the bundle installable.</summary>
internal sealed record WebAppManifest(
    string Name, string ShortName, string StartUrl, string Scope, string Display, string BackgroundColor, string ThemeColor,
    IReadOnlyList<WebAppIcon> Icons);

internal sealed record WebAppIcon(string Src, string Sizes, string Type, string Purpose);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(WebAppManifest))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class WebManifestJsonContext : JsonSerializerContext;
