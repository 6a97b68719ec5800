using System.Globalization;
using System.Text;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Targets.Internal;
using EdgeOpt.Targets.Mobile;

namespace EdgeOpt.Targets.Ios;

/// <summary>
/// iOS package: both ORT format models and operator configs (as for Android), the Core ML provider report in both of its
/// model formats (ML Program and NeuralNetwork, ORT's two support tables) with the provider options chosen, CocoaPods and
/// Swift Package Manager lines, a Swift snippet and a README.
/// </summary>
internal sealed class IosWriter : ITargetWriter
{
    public const string SwiftFile = "ModelSession.swift";
    public const string PodFile = "Podfile.snippet";
    public const string SwiftPackageFile = "Package.swift.snippet";

    public string? RefusePrecision(PackagePrecision precision) => null;

    public void Write(PackageContext context, string folder)
    {
        using var basic = OrtMobileModels.Write(context, folder);
        var mlProgram = BackendSupport.Check(basic, AccelerationBackend.CoreMl);
        var neuralNetwork = BackendSupport.CheckCoreMlNeuralNetwork(basic);
        var hasSubgraphs = basic.Graph.Nodes.Any(n => n.Subgraphs.Any());
        var dynamic = context.Model.Graph.Inputs.Any(v => v.Initializer is null && v.Shape is not { IsStatic: true });

        var advice = new List<string>();
        if (dynamic)
            advice.Add("The model has dynamic input dims: Core ML takes them (RequireStaticInputShapes=0) but runs faster on fixed shapes, e.g. " +
                       "packaging again with `--shape-range NAME=SHAPE` for each input.");
        var programReport = ProviderPartitioning.Report("CoreML (MLProgram)", basic, mlProgram, Options(context, "MLProgram", hasSubgraphs, dynamic), advice);
        var networkReport = ProviderPartitioning.Report("CoreML (NeuralNetwork)", basic, neuralNetwork, Options(context, "NeuralNetwork", hasSubgraphs, dynamic), []);
        // ML Program (iOS 15+) unless the older format covers the model strictly better.
        var chosen = Score(networkReport) > Score(programReport) ? networkReport : programReport;
        context.Providers.Add(programReport);
        context.Providers.Add(networkReport);

        var useCoreMl = chosen.Suitability != ProviderSuitability.No;
        var modelFile = useCoreMl ? OrtMobileModels.RuntimeModel : OrtMobileModels.FixedModel;
        var threads = context.Device?.PerformanceCores ?? 2;
        context.Notes.Add(useCoreMl
            ? $"{chosen.Provider} verdict {chosen.Suitability.ToString().ToUpperInvariant()}: the snippet loads {modelFile} with Core ML"
            : $"Core ML verdict NO in both formats: the snippet loads {modelFile} on the CPU provider ({threads} threads)");
        context.DeviceOnly.Add("latency and memory on the iPhone/iPad (Core ML decides per layer between Neural Engine, GPU and CPU at load time)");
        context.DeviceOnly.Add("Core ML's compile time on first load (ModelCacheDirectory keeps the compiled model for later loads)");
        context.DeviceOnly.Add("a reduced-size ORT build from the operator configs (build.py --ios --minimal_build extended --include_ops_by_config required_operators.config)");

        File.WriteAllText(Path.Combine(folder, PodFile), Pods(context));
        File.WriteAllText(Path.Combine(folder, SwiftPackageFile), SwiftPackage(context));
        File.WriteAllText(Path.Combine(folder, SwiftFile), Swift(chosen, useCoreMl, modelFile, threads));
        File.WriteAllText(Path.Combine(folder, "README.md"), Readme(context, programReport, networkReport, chosen, useCoreMl, modelFile));
    }

    private static double Score(ProviderReport report) => (int)report.Suitability * 1000.0 + report.SupportedNodes - report.Partitions;

    // ANE computes in fp16 only: fp32 asks for CPU and GPU (which keep Core ML's float32 ML Program precision); fp16 and
    // the quantized precisions let Core ML use the Neural Engine.
    private static Dictionary<string, string> Options(PackageContext context, string format, bool hasSubgraphs, bool dynamic) => new(StringComparer.Ordinal)
    {
        ["ModelFormat"] = format,
        ["MLComputeUnits"] = context.Options.Precision == PackagePrecision.Fp32 ? "CPUAndGPU" : "ALL",
        ["RequireStaticInputShapes"] = "0",
        ["EnableOnSubgraphs"] = hasSubgraphs ? "1" : "0",
        ["ModelCacheDirectory"] = "<Caches>/edgeopt-coreml",
    };

    private static string Pods(PackageContext context) =>
        "# Podfile: ONNX Runtime's Objective-C/Swift API (or 'onnxruntime-c' for the C/C++ API).\n" +
        $"# The .ort files were made by ONNX Runtime {context.OnnxRuntimeVersion}: use this version or newer.\n" +
        $"pod 'onnxruntime-objc', '~> {context.OnnxRuntimeVersion}'\n" +
        $"# pod 'onnxruntime-c', '~> {context.OnnxRuntimeVersion}'\n";

    private static string SwiftPackage(PackageContext context) =>
        "// Package.swift: Swift Package Manager (product \"onnxruntime\", module onnxruntime_objc).\n" +
        "dependencies: [\n" +
        $"    .package(url: \"https://github.com/microsoft/onnxruntime-swift-package-manager\", from: \"{context.OnnxRuntimeVersion}\"),\n" +
        "],\n" +
        "// target dependencies: [.product(name: \"onnxruntime\", package: \"onnxruntime-swift-package-manager\")]\n";

    private static string Swift(ProviderReport chosen, bool useCoreMl, string modelFile, int threads)
    {
        var name = Path.GetFileNameWithoutExtension(modelFile);
        var provider = new StringBuilder();
        if (useCoreMl)
        {
            provider.Append("        let cache = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask)[0]\n");
            provider.Append("            .appendingPathComponent(\"edgeopt-coreml\").path\n");
            provider.Append("        try options.appendCoreMLExecutionProvider(withOptionsV2: [\n");
            foreach (var (key, value) in chosen.Options)
                provider.Append(CultureInfo.InvariantCulture, $"            \"{key}\": {(key == "ModelCacheDirectory" ? "cache" : $"\"{value}\"")},\n");
            provider.Append("        ])\n");
        }
        else provider.Append("        // Core ML would split this model badly (see README.md): the CPU provider runs it.\n");
        return
            "import Foundation\n" +
            "import onnxruntime_objc\n\n" +
            $"/// Opens {modelFile} (added to the app bundle) with the options EdgeOpt chose for it: see README.md.\n" +
            "enum ModelSession {\n" +
            "    static func create() throws -> ORTSession {\n" +
            "        let env = try ORTEnv(loggingLevel: ORTLoggingLevel.warning)\n" +
            "        let options = try ORTSessionOptions()\n" +
            $"        try options.setIntraOpNumThreads({threads})\n" +
            provider +
            $"        guard let path = Bundle.main.path(forResource: \"{name}\", ofType: \"ort\") else {{\n" +
            $"            throw NSError(domain: \"ModelSession\", code: 1, userInfo: [NSLocalizedDescriptionKey: \"{modelFile} is not in the app bundle\"])\n" +
            "        }\n" +
            "        return try ORTSession(env: env, modelPath: path, sessionOptions: options)\n" +
            "    }\n" +
            "}\n";
    }

    private static string Readme(PackageContext context, ProviderReport program, ProviderReport network, ProviderReport chosen, bool useCoreMl, string modelFile)
    {
        var text = new StringBuilder();
        text.Append("# iOS package\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Made by EdgeOpt from `{Path.GetFileName(context.SourcePath)}` at precision {context.PrecisionName}");
        if (context.Device is { } device) text.Append(CultureInfo.InvariantCulture, $", tuned for {device.Name}");
        text.Append(CultureInfo.InvariantCulture, $". ONNX Runtime {context.OnnxRuntimeVersion} made and verified the ORT format models.\n\n");
        text.Append("| file | what it is |\n|---|---|\n");
        text.Append($"| `{OrtMobileModels.FixedModel}` | ORT format, optimization style Fixed (CPU provider) |\n");
        text.Append($"| `{OrtMobileModels.RuntimeModel}` | ORT format, style Runtime: nodes kept whole for Core ML, other optimizations replayed at load |\n");
        text.Append($"| `{RequiredOperatorsConfig.FileName}`, `{RequiredOperatorsConfig.WithTypesFileName}` | operators (and types) for a reduced-size ORT build |\n");
        text.Append($"| `{PodFile}`, `{SwiftPackageFile}` | CocoaPods and Swift Package Manager lines |\n");
        text.Append($"| `{SwiftFile}` | opens `{modelFile}` with the options below |\n");
        text.Append("| `package.json` | every file with its SHA-256, the reports and checks below |\n\n");
        text.Append("## Use it\n\n");
        text.Append($"1. Add `{modelFile}` to the app target (Copy Bundle Resources).\n2. Add ONNX Runtime with CocoaPods or Swift Package Manager.\n");
        text.Append($"3. Add `{SwiftFile}` and call `try ModelSession.create()`.\n\n");
        text.Append(useCoreMl
            ? $"Core ML runs in the {chosen.Options["ModelFormat"]} format (iOS {(chosen.Options["ModelFormat"] == "MLProgram" ? "15" : "13")}+), MLComputeUnits {chosen.Options["MLComputeUnits"]}" +
              (context.Options.Precision == PackagePrecision.Fp32 ? " (fp32: the Neural Engine computes in fp16 only, so it is left out)" : "") + ".\n\n"
            : "Core ML is not recommended for this model in either format, so the snippet uses the CPU provider.\n\n");
        text.Append("## Core ML reports\n\n");
        text.Append(ProviderReportText.Markdown(program));
        text.Append(ProviderReportText.Markdown(network));
        ReadmeSections.AppendChecks(text, context);
        return text.ToString();
    }
}
