using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime;

/// <summary>
/// Creates ONNX Runtime sessions from a file, serialized bytes or an in-memory <see cref="Model"/>, with
/// <see cref="SessionSettings"/> applied. A model ONNX Runtime refuses becomes a <see cref="ModelFormatException"/>
/// naming the source; an unknown execution provider a <see cref="UsageException"/> listing the available ones.
/// </summary>
public static class SessionFactory
{
    /// <summary>Opens a session on an .onnx file (external data resolved next to it).</summary>
    public static InferenceSession Create(string path, SessionSettings? settings = null)
    {
        if (Directory.Exists(path) && Onnx.Serialization.FormatSniffer.DescribeFolder(path) is { } folder) ThrowHelper.ModelFormat(folder);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        // ONNX Runtime reads ONNX and ORT files; a .tflite one runs as its in-memory conversion.
        if (Onnx.Tflite.TfliteConverter.IsTflite(path))
        {
            using var converted = Onnx.Tflite.TfliteConverter.Convert(path);
            return Create(converted.ToBytes(), settings, path);
        }
        // PyTorch, Keras and TensorFlow files get the exporter to use, not ONNX Runtime's protobuf error.
        Span<byte> head = stackalloc byte[64];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var ortFormat = read >= 8 && head.Slice(4, 4).SequenceEqual("ORTM"u8); // ORT's own FlatBuffers format, which ONNX Runtime reads
        if (!ortFormat && Onnx.Serialization.FormatSniffer.DescribeFile(path, head[..read]) is { } what) ThrowHelper.ModelFormat(what);
        return Create(options => new InferenceSession(path, options), path, settings);
    }

    /// <summary>Opens a session on a serialized model; <paramref name="sourceName"/> names it in errors.</summary>
    public static InferenceSession Create(byte[] modelBytes, SessionSettings? settings = null, string sourceName = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        return Create(options => new InferenceSession(modelBytes, options), sourceName, settings);
    }

    /// <summary>Opens a session on an in-memory model (serialized with every tensor inline).</summary>
    public static InferenceSession Create(Model model, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(model.ToBytes(), settings, model.SourcePath ?? $"model '{model.Graph.Name}'");
    }

    /// <summary>The short names (e.g. <c>cpu</c>, <c>xnnpack</c>) of the providers compiled into this ONNX Runtime.</summary>
    public static IReadOnlyList<string> AvailableProviders() =>
        OrtEnv.Instance().GetAvailableProviders().Select(ShortName).ToArray();

    private static InferenceSession Create(Func<SessionOptions, InferenceSession> open, string source, SessionSettings? settings)
    {
        using var options = CreateOptions(settings ?? SessionSettings.Default);
        try
        {
            return open(options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException($"{source}: ONNX Runtime cannot load the model: {OneLine(e.Message)}", e);
        }
    }

    private static SessionOptions CreateOptions(SessionSettings settings)
    {
        if (settings.IntraOpThreads is < 0)
            ThrowHelper.Usage($"intra-op threads must be 0 (ONNX Runtime's choice) or more, not {settings.IntraOpThreads}");
        var options = new SessionOptions
        {
            GraphOptimizationLevel = settings.Optimization switch
            {
                GraphOptimization.None => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            // Warnings (e.g. about unused initializers) would interleave with our own output on stderr.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (settings.IntraOpThreads is { } threads) options.IntraOpNumThreads = threads;
        try
        {
            AppendProvider(options, settings.ExecutionProvider);
        }
        catch
        {
            options.Dispose();
            throw;
        }
        return options;
    }

    private static void AppendProvider(SessionOptions options, string provider)
    {
        var name = provider.Trim().ToLowerInvariant();
        if (name is "cpu" or "") return;
        var available = AvailableProviders();
        if (!available.Contains(name))
            ThrowHelper.Usage($"execution provider '{provider}' is not in this ONNX Runtime build (available: {string.Join(", ", available)})");
        try
        {
            options.AppendExecutionProvider(ProviderRegistrationName(name), []);
        }
        catch (OnnxRuntimeException e)
        {
            throw new UsageException($"execution provider '{provider}' could not be enabled: {OneLine(e.Message)}", e);
        }
    }

    // ONNX Runtime lists "XnnpackExecutionProvider" but registers by "XNNPACK"; the generic entry point knows these.
    private static string ProviderRegistrationName(string shortName) => shortName switch
    {
        "xnnpack" => "XNNPACK",
        "qnn" => "QNN",
        "snpe" => "SNPE",
        "coreml" => "CoreML",
        "webgpu" => "WebGPU",
        "azure" => "AZURE",
        _ => shortName,
    };

    private static string ShortName(string providerName) =>
        (providerName.EndsWith("ExecutionProvider", StringComparison.Ordinal) ? providerName[..^"ExecutionProvider".Length] : providerName)
            .ToLowerInvariant();

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
