using System.Globalization;
using System.Text;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Targets.Internal;
using EdgeOpt.Targets.Mobile;

namespace EdgeOpt.Targets.Android;

/// <summary>
/// Android package (ONNX Runtime Mobile conventions): both ORT format models, the reduced-build operator configs, the
/// NNAPI report with the flags chosen for the model, the Gradle dependency line, a Kotlin snippet that loads the model
/// from the app's assets with those options, and a README.
/// </summary>
internal sealed class AndroidWriter : ITargetWriter
{
    public const string KotlinFile = "ModelSession.kt";
    public const string GradleFile = "dependencies.gradle.kts";

    public string? RefusePrecision(PackagePrecision precision) => null;

    public void Write(PackageContext context, string folder)
    {
        using var basic = OrtMobileModels.Write(context, folder);
        var check = BackendSupport.Check(basic, AccelerationBackend.Nnapi);
        var flags = ChooseFlags(context, check, out var flagReasons);
        var advice = new List<string>();
        if (ProviderPartitioning.HasDynamicShapeFailures(check))
            advice.Add("NNAPI needs fixed input shapes: nodes with a dynamic shape stay on the CPU. Package again with the shape fixed, e.g. " +
                       $"`--shape-range {ExampleShape(context)}` (ORT's tool for this is onnxruntime.tools.make_dynamic_shape_fixed).");
        advice.Add("NNAPI is deprecated from Android 15 (API 35): Google no longer adds drivers or operators to it. For new apps prefer the " +
                   "XNNPACK provider on the CPU (`addXnnpack`), the QNN provider on Snapdragon NPUs, or LiteRT (TensorFlow Lite) with its GPU/NPU delegates.");
        advice.AddRange(flagReasons);
        var report = ProviderPartitioning.Report("NNAPI", basic, check, flags.ToDictionary(f => f.Key, f => f.Value ? "on" : "off"), advice);
        context.Providers.Add(report);

        var useNnapi = report.Suitability != ProviderSuitability.No;
        var modelFile = useNnapi ? OrtMobileModels.RuntimeModel : OrtMobileModels.FixedModel;
        var threads = context.Device?.PerformanceCores ?? 4;
        context.DeviceOnly.Add("latency, memory and battery on the phone (NNAPI drivers differ per vendor and Android version: measure with ORT's onnxruntime_perf_test or the app)");
        context.DeviceOnly.Add("whether the vendor's NNAPI driver accepts every node the published table allows (the EP falls back to the CPU when it does not)");
        context.DeviceOnly.Add("a reduced-size ORT build from the operator configs (build.sh --android --minimal_build extended --include_ops_by_config required_operators.config)");
        File.WriteAllText(Path.Combine(folder, GradleFile), Gradle(context));
        File.WriteAllText(Path.Combine(folder, KotlinFile), Kotlin(flags, useNnapi, modelFile, threads));
        File.WriteAllText(Path.Combine(folder, "README.md"), Readme(context, report, useNnapi, modelFile, threads));

        context.Notes.Add(useNnapi
            ? $"NNAPI verdict {report.Suitability.ToString().ToUpperInvariant()}: the snippet loads {modelFile} with NNAPI (nodes it cannot take run on the CPU)"
            : $"NNAPI verdict NO ({report.Partitions} partitions, {report.SupportedNodes}/{report.Nodes + report.NodesInSubgraphs} nodes): the snippet loads {modelFile} on XNNPACK/CPU");
    }

    // USE_FP16 when fp16 was asked; CPU_DISABLED only when NNAPI takes every node in one partition (else the reference
    // CPU device would be the only fallback for what it cannot run); NCHW off: NHWC is NNAPI's native layout.
    private static List<KeyValuePair<string, bool>> ChooseFlags(PackageContext context, CompatibilityReport check, out List<string> reasons)
    {
        reasons = [];
        var fp16 = context.Options.Precision == PackagePrecision.Fp16;
        var all = check.Nodes.Count > 0 && check.Nodes.All(n => n.Supported) && check.Partitions == 1;
        if (fp16) reasons.Add("USE_FP16 on: --precision fp16 lets NNAPI compute float32 tensors in half precision (the model file stays float32).");
        if (all) reasons.Add("CPU_DISABLED on: NNAPI takes every node in one partition, so NNAPI's own slow CPU reference device is never needed.");
        return
        [
            new("USE_FP16", fp16),
            new("USE_NCHW", false),
            new("CPU_DISABLED", all),
            new("CPU_ONLY", false),
        ];
    }

    private static string ExampleShape(PackageContext context)
    {
        var input = context.Model.Graph.Inputs.FirstOrDefault(v => v.Initializer is null);
        if (input?.Shape is not { } shape) return "input=1x3x224x224";
        return $"{input.Name}={string.Join("x", shape.Select(d => d.Value ?? 1))}";
    }

    private static string Gradle(PackageContext context) =>
        $"// app/build.gradle.kts: ONNX Runtime for Android (the full package; it reads ORT format models).\n" +
        $"// The .ort files were made by ONNX Runtime {context.OnnxRuntimeVersion}: use this version or newer.\n" +
        "dependencies {\n" +
        $"    implementation(\"com.microsoft.onnxruntime:onnxruntime-android:{context.OnnxRuntimeVersion}\")\n" +
        "}\n";

    private static string Kotlin(List<KeyValuePair<string, bool>> flags, bool useNnapi, string modelFile, int threads)
    {
        var on = flags.Where(f => f.Value).Select(f => $"NNAPIFlags.{f.Key}").ToList();
        var provider = useNnapi
            ? on.Count == 0 ? "            addNnapi(EnumSet.noneOf(NNAPIFlags::class.java))\n" : $"            addNnapi(EnumSet.of({string.Join(", ", on)}))\n"
            : $"            // NNAPI would split this model badly (see README.md): XNNPACK runs it on the CPU with {threads} threads.\n" +
              $"            addXnnpack(mapOf(\"intra_op_num_threads\" to \"{threads}\"))\n" +
              "            addConfigEntry(\"session.intra_op.allow_spinning\", \"0\")\n";
        var threadsLine = useNnapi ? $"            setIntraOpNumThreads({threads})\n" : "            setIntraOpNumThreads(1)\n";
        return
            "package com.example.edgeopt\n\n" +
            "import ai.onnxruntime.NNAPIFlags\n" +
            "import ai.onnxruntime.OrtEnvironment\n" +
            "import ai.onnxruntime.OrtSession\n" +
            "import android.content.Context\n" +
            "import java.util.EnumSet\n\n" +
            $"/** Opens {modelFile} (copied to app/src/main/assets/) with the options EdgeOpt chose for it: see README.md. */\n" +
            "object ModelSession {\n" +
            "    fun create(context: Context): OrtSession {\n" +
            "        val env = OrtEnvironment.getEnvironment()\n" +
            "        val options = OrtSession.SessionOptions().apply {\n" +
            threadsLine +
            provider +
            "        }\n" +
            $"        val bytes = context.assets.open(\"{modelFile}\").use {{ it.readBytes() }}\n" +
            "        return env.createSession(bytes, options)\n" +
            "    }\n" +
            "}\n";
    }

    private static string Readme(PackageContext context, ProviderReport report, bool useNnapi, string modelFile, int threads)
    {
        var text = new StringBuilder();
        text.Append("# Android package\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Made by EdgeOpt from `{Path.GetFileName(context.SourcePath)}` at precision {context.PrecisionName}");
        if (context.Device is { } device) text.Append(CultureInfo.InvariantCulture, $", tuned for {device.Name} ({threads} performance cores)");
        text.Append(CultureInfo.InvariantCulture, $". ONNX Runtime {context.OnnxRuntimeVersion} made and verified the ORT format models.\n\n");
        text.Append("| file | what it is |\n|---|---|\n");
        text.Append($"| `{OrtMobileModels.FixedModel}` | ORT format, optimization style Fixed: every optimization applied for the CPU provider (XNNPACK/CPU) |\n");
        text.Append($"| `{OrtMobileModels.RuntimeModel}` | ORT format, style Runtime: basic optimizations applied, the rest replayed at load time so NNAPI gets whole nodes |\n");
        text.Append($"| `{RequiredOperatorsConfig.FileName}` | operators both models need, for a reduced-size ORT build (`--include_ops_by_config`) |\n");
        text.Append($"| `{RequiredOperatorsConfig.WithTypesFileName}` | the same with the element types of each kernel (`--enable_reduced_operator_type_support`) |\n");
        text.Append($"| `{GradleFile}` | the dependency line |\n| `{KotlinFile}` | loads `{modelFile}` from the app's assets with the options below |\n");
        text.Append("| `package.json` | every file with its SHA-256, the reports and checks below |\n\n");
        text.Append("## Use it\n\n");
        text.Append($"1. Copy `{modelFile}` to `app/src/main/assets/`.\n2. Add the dependency from `{GradleFile}`.\n3. Add `{KotlinFile}` and call `ModelSession.create(context)`.\n\n");
        text.Append(useNnapi
            ? "NNAPI takes what its table allows and the CPU runs the rest; the flags chosen are listed below.\n\n"
            : $"NNAPI is not recommended for this model (see the report), so the snippet uses XNNPACK with {threads} threads on `{modelFile}`.\n\n");
        text.Append("## NNAPI report\n\n");
        text.Append(ProviderReportText.Markdown(report));
        ReadmeSections.AppendChecks(text, context);
        return text.ToString();
    }
}
