using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using EdgeOpt.Targets.Android;
using EdgeOpt.Targets.Internal;
using EdgeOpt.Targets.Ios;
using EdgeOpt.Targets.Linux;
using EdgeOpt.Targets.TensorRt;
using EdgeOpt.Web;

namespace EdgeOpt.Targets;

/// <summary>
/// Turns a model into what a platform's developers ship (<c>edgeopt package</c>): for Android and iOS ONNX Runtime's
/// ORT format models, reduced-build operator configs and the NNAPI / Core ML partition reports; for Jetson an ONNX
/// model TensorRT accepts with its shape profiles, INT8 calibration caches and trtexec script; for Arm/x64 Linux the
/// model with a self-contained runner. Every package is written atomically and deterministically, checked here with
/// ONNX Runtime as far as this machine can, and says in its README what only the device can verify.
/// </summary>
public static class Packager
{
    /// <summary>Verification runs on this many generated input sets.</summary>
    internal const int VerificationSamples = 3;

    private static readonly string EdgeOptVersion =
        typeof(Packager).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The device a target is tuned for when none is given, or null (linux-x64, linux-arm64, web).</summary>
    public static string? DefaultDevice(PackageTarget target) => target switch
    {
        PackageTarget.Android => "pixel-7",
        PackageTarget.Ios => "iphone-15-pro",
        PackageTarget.Jetson => "jetson-orin-nano",
        PackageTarget.RaspberryPi => "raspberry-pi-5",
        _ => null,
    };

    /// <summary>
    /// Writes the package for <paramref name="modelPath"/> into <paramref name="outputFolder"/>.
    /// <paramref name="calibration"/> feeds INT8 (required for <see cref="PackagePrecision.Int8"/>).
    /// </summary>
    /// <exception cref="InvalidOptionsException">The options cannot work.</exception>
    /// <exception cref="UsageException">
    /// A shape range that does not fit the model, a precision the target cannot run, a device of another platform,
    /// missing calibration data, or the output folder refused; nothing is written.
    /// </exception>
    /// <exception cref="FileNotFoundException">The model does not exist.</exception>
    public static PlatformPackage Package(string modelPath, string outputFolder, PackageOptions options, ISampleSource? calibration = null,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentNullException.ThrowIfNull(options);
        ThrowHelper.IfInvalid(options.Validate());
        var input = Path.GetFullPath(modelPath);
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputFolder));
        if (!File.Exists(input)) throw new FileNotFoundException($"model '{modelPath}' not found", modelPath);

        if (options.Target == PackageTarget.Web) return PackageWeb(input, outputFolder, output, options);

        var writer = Writer(options.Target);
        if (writer.RefusePrecision(options.Precision) is { } refusal)
            throw new UsageException($"--precision {PackagePrecisions.Name(options.Precision)} cannot run on {PackageTargets.Name(options.Target)}: {refusal}");
        if (options.Precision == PackagePrecision.Int8 && calibration is null)
            throw new UsageException($"--precision int8 needs calibration data (--data): static INT8 takes its activation ranges from real inputs");
        var device = ResolveDevice(options);
        AtomicFolder.Validate(input, outputFolder, output, options.Force, "package", PlatformPackageFolder.FindForeign);

        using var original = Model.Load(input);
        var misfits = options.ShapeRanges.SelectMany(r => r.Check(original)).ToList();
        if (misfits.Count > 0) throw new UsageException(misfits[0]);
        if (options.Target == PackageTarget.Jetson) ShapeProfiles.RequireRanges(original, options.ShapeRanges); // before calibration, which takes a while

        var scratch = Directory.CreateTempSubdirectory("edgeopt-package-").FullName;
        using var tracked = PendingWrites.TrackScratch(scratch);
        try
        {
            progress?.Report($"preparing the {PackagePrecisions.Name(options.Precision)} model");
            var (prepared, plan) = Prepare(original, options, calibration, cancellation);
            using (prepared)
            {
                var modelPath2 = Path.Combine(scratch, "model.onnx");
                prepared.Save(modelPath2);
                using var shipped = Model.Load(modelPath2);
                var dims = VerificationDims(shipped, options.ShapeRanges);
                var context = new PackageContext
                {
                    SourcePath = input,
                    ModelPath = modelPath2,
                    Model = shipped,
                    Options = options,
                    Device = device,
                    Plan = plan,
                    VerificationDims = dims,
                    VerificationInputs = calibration is { Count: > 0 }
                        ? Enumerable.Range(0, Math.Min(VerificationSamples, calibration.Count)).Select(calibration.Read).ToList()
                        : Enumerable.Range(0, VerificationSamples).Select(i => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(shipped, 1000 + i, dims)).ToList(),
                    VerificationSource = calibration is { Count: > 0 }
                        ? $"the first {Math.Min(VerificationSamples, calibration.Count)} samples of {calibration.Description}"
                        : $"{VerificationSamples} generated input sets (seeded; symbolic dims {(dims.Count == 0 ? "1" : string.Join(", ", dims.Select(d => $"{d.Key}={d.Value}")) + ", others 1")}, integer inputs 0)",
                    Scratch = scratch,
                    OnnxRuntimeVersion = OrtFormatConverter.RuntimeVersion,
                    Cancellation = cancellation,
                    Progress = progress,
                };
                return AtomicFolder.Write(output, temp =>
                {
                    writer.Write(context, temp);
                    cancellation.ThrowIfCancellationRequested();
                    // A package that failed a check is not shipped: nothing is written, the check is named.
                    if (context.Checks.FirstOrDefault(c => !c.Passed) is { } failed)
                        throw new EdgeOptException($"{failed.What}: failed ({failed.Detail}); the package was not written");
                    return Finish(context, temp, output);
                }, revalidate: () => AtomicFolder.Validate(input, outputFolder, output, options.Force, "package", PlatformPackageFolder.FindForeign));
            }
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    internal static ITargetWriter Writer(PackageTarget target) => target switch
    {
        PackageTarget.Android => new AndroidWriter(),
        PackageTarget.Ios => new IosWriter(),
        PackageTarget.Jetson => new JetsonWriter(),
        PackageTarget.RaspberryPi => new LinuxWriter(LinuxArchitecture.Arm64, raspberryPi: true),
        PackageTarget.LinuxArm64 => new LinuxWriter(LinuxArchitecture.Arm64, raspberryPi: false),
        PackageTarget.LinuxX64 => new LinuxWriter(LinuxArchitecture.X64, raspberryPi: false),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    private static EdgeDevice? ResolveDevice(PackageOptions options)
    {
        var name = options.Device ?? DefaultDevice(options.Target);
        if (name is null) return null;
        if (!DeviceCatalog.TryFind(name, out var device) || device is null)
            throw new UsageException($"--device '{name}' is not in the catalogue (closest: {string.Join(", ", DeviceCatalog.ClosestMatches(name).Select(d => d.Id))})");
        var expected = options.Target switch
        {
            PackageTarget.Android => EdgePlatform.Android,
            PackageTarget.Ios => EdgePlatform.Ios,
            _ => EdgePlatform.LinuxEmbedded,
        };
        var target = PackageTargets.Name(options.Target);
        if (device.Platform != expected || (options.Target == PackageTarget.Jetson && !device.Backends.Contains(AccelerationBackend.TensorRt)))
            throw new UsageException($"--device '{name}' ({device.Name}) is not {Article(target)} {target} device");
        // Linux targets are per instruction set: an x64 runner does not start on an Arm board, nor the reverse.
        var wanted = options.Target == PackageTarget.LinuxX64 ? LinuxArchitecture.X64 : LinuxArchitecture.Arm64;
        if (expected == EdgePlatform.LinuxEmbedded && CpuArchitectures.Of(device) is { } architecture && architecture != wanted)
        {
            var cores = string.Join(", ", device.CpuClusters.Select(c => c.Core).Distinct());
            var instead = architecture == LinuxArchitecture.Arm64 ? "linux-arm64" : "linux-x64";
            throw new UsageException($"--device '{name}' ({device.Name}) has {(architecture == LinuxArchitecture.Arm64 ? "Arm" : "x86-64")} cores ({cores}), " +
                $"which a {target} package does not run on; use --target {instead}");
        }
        if (options.Target == PackageTarget.RaspberryPi && !device.Id.StartsWith("raspberry-pi", StringComparison.Ordinal))
            throw new UsageException($"--device '{name}' ({device.Name}) is not a Raspberry Pi; use --target linux-arm64 for other Arm boards");
        return device;
    }

    private static string Article(string word) => "aeiou".Contains(word[0], StringComparison.Ordinal) ? "an" : "a";

    // The model at the package's precision, and the INT8 plan when there is one. FP16 stays float32 in the file: every
    // target that runs it in half precision does so through its provider (TensorRT --fp16, NNAPI USE_FP16, Core ML).
    // Outside TensorRT (which takes profiles) a shape range is one fixed shape, written into the graph: NNAPI and Core ML
    // need static shapes, and a CPU runner gains from them.
    private static (Model Model, QuantizationPlan? Plan) Prepare(Model original, PackageOptions options, ISampleSource? calibration, CancellationToken cancellation)
    {
        using var start = original.Clone();
        if (options.Target != PackageTarget.Jetson && options.ShapeRanges.Count > 0)
        {
            if (options.ShapeRanges.FirstOrDefault(r => !r.IsStatic) is { } range)
                throw new UsageException($"--shape-range for '{range.Input}': {PackageTargets.Name(options.Target)} takes one fixed shape (NAME=SHAPE); " +
                                         "MIN:OPT:MAX profiles are for --target jetson (TensorRT)");
            new PassManager([new FixInputShapes(options.ShapeRanges.ToDictionary(r => r.Input, r => r.Opt.ToArray(), StringComparer.Ordinal))], maxIterations: 1).Run(start);
        }
        switch (options.Precision)
        {
            case PackagePrecision.Int8:
            case PackagePrecision.Int8Dynamic:
                var quantizer = new Quantizer(new QuantizerOptions
                {
                    Type = options.Precision == PackagePrecision.Int8 ? QuantizationType.Int8 : QuantizationType.Int8Dynamic,
                    Samples = options.CalibrationSamples,
                    PerChannel = true,
                    // TensorRT and Arm integer kernels take signed symmetric int8 activations.
                    ActivationType = options.Target is PackageTarget.Jetson ? QuantizedPrecision.Int8 : QuantizedPrecision.UInt8,
                    SymmetricActivations = options.Target is PackageTarget.Jetson,
                });
                using (var result = quantizer.Quantize(start, options.Precision == PackagePrecision.Int8 ? calibration : null, cancellation: cancellation))
                    return (result.Model.Clone(), result.Plan);
            default:
                return (start.Clone(), null);
        }
    }

    private static Dictionary<string, long> VerificationDims(Model model, IReadOnlyList<ShapeRange> ranges)
    {
        var dims = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var range in ranges)
            if (model.Graph.Inputs.FirstOrDefault(v => v.Name == range.Input)?.Type is TensorType { Shape: { } shape })
                for (var i = 0; i < shape.Rank && i < range.Opt.Count; i++)
                    if (shape[i].Symbol is { } symbol) dims.TryAdd(symbol, range.Opt[i]);
        return dims;
    }

    private static PlatformPackage Finish(PackageContext context, string temp, string output)
    {
        var files = ListFiles(temp);
        var manifest = new PackageManifest
        {
            Target = context.TargetName,
            Device = context.Device?.Id,
            Precision = context.PrecisionName,
            OnnxRuntimeVersion = context.OnnxRuntimeVersion,
            EdgeOptVersion = EdgeOptVersion,
            Files = files,
            Providers = context.Providers,
            Checks = context.Checks,
            DeviceOnly = context.DeviceOnly,
            Notes = context.Notes,
        };
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, PackageManifestJsonContext.Readable.PackageManifest);
        File.WriteAllBytes(Path.Combine(temp, PackageManifest.FileName), manifestBytes);
        // The other files were hashed for the manifest already; only the manifest itself joins the list.
        var all = files.Append(new PackagedFile(PackageManifest.FileName, manifestBytes.Length, Convert.ToHexStringLower(SHA256.HashData(manifestBytes))))
            .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        return new PlatformPackage
        {
            Folder = output,
            Target = context.Options.Target,
            Device = context.Device?.Id,
            Precision = context.Options.Precision,
            OnnxRuntimeVersion = context.OnnxRuntimeVersion,
            Files = all,
            Providers = context.Providers,
            Checks = context.Checks,
            DeviceOnly = context.DeviceOnly,
            Notes = context.Notes,
        };
    }

    internal static List<PackagedFile> ListFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => (Path: Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), Full: f))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .Select(f =>
            {
                using var stream = File.OpenRead(f.Full);
                return new PackagedFile(f.Path, stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
            })
            .ToList();

    // The web target is `edgeopt web`'s bundle: same writer, same marker (bundle.json), listed here in the package's terms.
    private static PlatformPackage PackageWeb(string input, string outputFolder, string output, PackageOptions options)
    {
        if (options.Precision != PackagePrecision.Fp32)
            throw new UsageException($"--precision {PackagePrecisions.Name(options.Precision)} is not built by the web target; quantize first (edgeopt quantize) and package the result");
        if (options.ShapeRanges.Count > 0)
            throw new UsageException("--shape-range is not used by the web target: onnxruntime-web takes the shapes of each run");
        var bundle = WebBundler.Build(input, outputFolder, new WebBundleOptions { Force = options.Force });
        return new PlatformPackage
        {
            Folder = output,
            Target = PackageTarget.Web,
            Precision = PackagePrecision.Fp32,
            OnnxRuntimeVersion = bundle.RuntimeVersion,
            Files = ListFiles(output),
            Notes = [.. bundle.Notes, $"web bundle for onnxruntime-web {bundle.RuntimeVersion}: serve it with `edgeopt serve {outputFolder}`"],
            DeviceOnly = ["latency and memory in the user's browser (the demo page measures them)"],
        };
    }
}
