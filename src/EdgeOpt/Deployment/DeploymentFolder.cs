using System.Text.Json;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Runtime;
using EdgeOpt.Targets;
using EdgeOpt.Web;

namespace EdgeOpt.Deployment;

/// <summary>
/// The deploy output folder: the chosen model (<c>model.onnx</c>), its package for the device's platform (browsers:
/// a web bundle in <c>web/</c>, progressive when asked; elsewhere <c>session_options.json</c> with the ONNX Runtime
/// session settings, plus a progressive package in <c>progressive/</c> when asked; with <see cref="DeployerOptions.Package"/>
/// the platform package in <c>package/</c>), <c>report.html</c> and <c>report.json</c>, written
/// last. A folder counts as an earlier deployment only when its <c>report.json</c> carries
/// <see cref="DeploymentResult.FormatName"/> and everything in it is listed there.
/// </summary>
internal static class DeploymentFolder
{
    public const string ReportFile = "report.json";
    public const string ReportHtmlFile = "report.html";
    public const string ModelFile = "model.onnx";
    public const string SessionOptionsFile = "session_options.json";
    public const string WebFolder = "web";
    public const string ProgressiveFolder = "progressive";
    public const string PackageFolder = "package";

    /// <summary>Refuses the output folder before any work (see <see cref="AtomicFolder.Validate"/>).</summary>
    public static void Validate(string input, string outputFolder, string output, bool force) =>
        AtomicFolder.Validate(input, outputFolder, output, force, "deployment", FindForeign);

    /// <summary>
    /// Writes the folder atomically: <paramref name="model"/> as model.onnx, the platform package, then the report
    /// <paramref name="finish"/> completes with the files written.
    /// </summary>
    public static DeploymentResult Write(string input, string outputFolder, string output, bool force, Model model, CandidateResult chosen,
        EdgeDevice device, OptimizationConfig config, bool package, Func<IReadOnlyList<string>, DeploymentResult> finish)
    {
        return AtomicFolder.Write(output, temp =>
        {
            var files = new List<string> { ModelFile };
            var modelPath = Path.Combine(temp, ModelFile);
            model.Save(modelPath);
            if (device.Platform == EdgePlatform.Web)
            {
                WebBundler.Build(modelPath, Path.Combine(temp, WebFolder), new WebBundleOptions
                {
                    Backend = chosen.Spec.Backend == AccelerationBackend.WebGpu ? WebBackend.WebGpu : WebBackend.Wasm,
                    Progressive = config.EnableProgressiveLoading,
                    Threads = Math.Min(WebBundleOptions.MaxThreads, chosen.Spec.Threads),
                });
                files.Add(WebFolder);
            }
            else
            {
                File.WriteAllText(Path.Combine(temp, SessionOptionsFile), SessionOptions(chosen.Spec));
                files.Add(SessionOptionsFile);
                if (config.EnableProgressiveLoading)
                {
                    ProgressivePackager.Package(modelPath, Path.Combine(temp, ProgressiveFolder), new ProgressiveOptions());
                    files.Add(ProgressiveFolder);
                }
            }
            if (package && PackageTargetFor(device) is { } target)
            {
                Packager.Package(modelPath, Path.Combine(temp, PackageFolder), new PackageOptions
                {
                    Target = target,
                    Device = DeviceCatalog.TryFind(device.Id, out _) ? device.Id : null,
                    PublishRunner = false,
                });
                files.Add(PackageFolder);
            }
            files.Add(ReportFile);
            files.Add(ReportHtmlFile);
            var result = finish(files);
            File.WriteAllText(Path.Combine(temp, ReportHtmlFile), DeploymentReportHtml.Render(result));
            // Last, so a folder without its report is never taken for a complete deployment.
            File.WriteAllText(Path.Combine(temp, ReportFile), result.ToJson());
            return result;
        }, revalidate: () => Validate(input, outputFolder, output, force));
    }

    /// <summary>The platform package a device gets; null for browsers (their package is the web bundle already written).</summary>
    public static PackageTarget? PackageTargetFor(EdgeDevice device) => device.Platform switch
    {
        EdgePlatform.Android => PackageTarget.Android,
        EdgePlatform.Ios => PackageTarget.Ios,
        EdgePlatform.LinuxEmbedded when device.Backends.Contains(AccelerationBackend.TensorRt) => PackageTarget.Jetson,
        EdgePlatform.LinuxEmbedded when device.Id.StartsWith("raspberry-pi", StringComparison.Ordinal) => PackageTarget.RaspberryPi,
        EdgePlatform.LinuxEmbedded => PackageTarget.LinuxArm64,
        EdgePlatform.Desktop => PackageTarget.LinuxX64,
        _ => null,
    };

    /// <summary>The ONNX Runtime session settings the chosen candidate was measured and estimated with, as JSON.</summary>
    public static string SessionOptions(CandidateSpec spec)
    {
        var providers = new List<string>();
        if (ExecutionProviders.NameOf(spec.Backend) is { } provider && provider != CpuProvider) providers.Add(provider);
        providers.Add(CpuProvider);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", "edgeopt-session-options");
            json.WriteString("model", ModelFile);
            json.WriteStartArray("executionProviders");
            foreach (var p in providers) json.WriteStringValue(p);
            json.WriteEndArray();
            json.WriteNumber("intraOpNumThreads", spec.Threads);
            json.WriteNumber("interOpNumThreads", 1);
            json.WriteString("executionMode", "ORT_SEQUENTIAL");
            json.WriteString("graphOptimizationLevel", spec.OptimizationLevel switch
            {
                GraphOptimization.None => "ORT_DISABLE_ALL",
                GraphOptimization.Basic => "ORT_ENABLE_BASIC",
                GraphOptimization.Extended => "ORT_ENABLE_EXTENDED",
                _ => "ORT_ENABLE_ALL",
            });
            json.WriteNumber("batchSize", spec.BatchSize);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private const string CpuProvider = ExecutionProviders.Cpu;

    /// <summary>The first thing in <paramref name="folder"/> EdgeOpt did not write as a deployment, in words; null for an earlier deployment.</summary>
    public static string? FindForeign(string folder)
    {
        var reportPath = Path.Combine(folder, ReportFile);
        if (new FileInfo(reportPath) is not { Exists: true, LinkTarget: null })
            return $"'{new DirectoryInfo(folder).EnumerateFileSystemInfos().Select(e => e.Name).Order(StringComparer.Ordinal).First()}', and no {ReportFile}";
        var listed = OutputMarker.ListedFiles(reportPath, DeploymentResult.FormatName, static (root, files) =>
        {
            if (!root.TryGetProperty("files", out var list) || list.ValueKind != JsonValueKind.Array) return;
            foreach (var file in list.EnumerateArray())
                if (file.ValueKind == JsonValueKind.String && file.GetString() is { Length: > 0 } name
                    && name.IndexOfAny(['/', '\\']) < 0 && name is not "." and not "..")
                    files.Add(name);
        });
        if (listed is null) return $"its {ReportFile} was not written by EdgeOpt";
        listed.Add(ReportFile);
        listed.Add(ReportHtmlFile);
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null || !listed.Contains(entry.Name)) return $"'{entry.Name}' is not part of the deployment";
            if (entry is DirectoryInfo && entry.Name is not (WebFolder or ProgressiveFolder or PackageFolder)) return $"'{entry.Name}' is not part of the deployment";
        }
        return null;
    }
}
