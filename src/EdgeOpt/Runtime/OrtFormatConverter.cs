using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime;

/// <summary>How an ORT format model keeps its graph optimizations (ONNX Runtime's <c>--optimization_style</c>).</summary>
internal enum OrtOptimizationStyle
{
    /// <summary>Every optimization applied at conversion and baked in (<c>model.ort</c>): best for the CPU provider.</summary>
    Fixed,

    /// <summary>
    /// Basic optimizations applied, the others saved to replay at load time (<c>model.with_runtime_opt.ort</c>,
    /// <c>optimization.minimal_build_optimizations=save</c>): nodes stay whole for NNAPI / Core ML to take.
    /// </summary>
    Runtime,
}

/// <summary>
/// Writes ONNX Runtime's own ORT format (FlatBuffers) with ONNX Runtime itself, the way its
/// <c>convert_onnx_models_to_ort.py</c> does: a CPU-provider session with <c>session.save_model_format=ORT</c>, level
/// all with the NCHWc transformer disabled (its layouts are x86-specific), and <c>session.qdqisint8allowed</c> per target
/// (1 for Arm, whose integer kernels take signed int8 QDQ; 0 for amd64).
/// </summary>
internal static class OrtFormatConverter
{
    /// <summary>The ONNX Runtime this process converts with; an ORT format model needs a runtime of at least this version.</summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Converts <paramref name="onnxPath"/> to <paramref name="ortPath"/>.</summary>
    /// <exception cref="ModelFormatException">ONNX Runtime refused the model.</exception>
    public static void Convert(string onnxPath, string ortPath, OrtOptimizationStyle style, bool arm)
    {
        using var options = Options(style, arm, ortPath, saveOrt: true);
        Open(onnxPath, options);
    }

    /// <summary>
    /// Saves, as ONNX, the graph an ORT format model of <paramref name="style"/> would run: for Fixed the fully optimized
    /// graph; for Runtime the basic-level graph (what NNAPI / Core ML are offered) when <paramref name="applyRuntimeOptimizations"/>
    /// is false, else the graph after the saved optimizations are replayed. Used to read the operators and types a
    /// reduced build needs and the partitions a compiling provider would get.
    /// </summary>
    public static void SaveOptimizedOnnx(string onnxPath, string outputPath, OrtOptimizationStyle style, bool arm, bool applyRuntimeOptimizations)
    {
        using var options = Options(style, arm, outputPath, saveOrt: false);
        if (style == OrtOptimizationStyle.Runtime)
        {
            if (applyRuntimeOptimizations) options.AddSessionConfigEntry("optimization.minimal_build_optimizations", "apply");
            else options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC;
        }
        Open(onnxPath, options);
    }

    private static SessionOptions Options(OrtOptimizationStyle style, bool arm, string outputPath, bool saveOrt)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            OptimizedModelFilePath = outputPath,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            IntraOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("optimization.disable_specified_optimizers", "NchwcTransformer");
        options.AddSessionConfigEntry("session.qdqisint8allowed", arm ? "1" : "0");
        if (saveOrt)
        {
            options.AddSessionConfigEntry("session.save_model_format", "ORT");
            if (style == OrtOptimizationStyle.Runtime) options.AddSessionConfigEntry("optimization.minimal_build_optimizations", "save");
        }
        return options;
    }

    private static void Open(string onnxPath, SessionOptions options)
    {
        try
        {
            using var session = new InferenceSession(onnxPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException($"{onnxPath}: ONNX Runtime cannot convert the model to ORT format: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
        }
    }
}
