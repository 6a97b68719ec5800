namespace EdgeOpt.Runtime;

/// <summary>How <see cref="SessionFactory"/> configures an ONNX Runtime session.</summary>
public sealed record SessionSettings
{
    public static SessionSettings Default { get; } = new();

    /// <summary>Threads used inside one operator; null lets ONNX Runtime pick (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Graph rewrites ONNX Runtime applies when the session is created.</summary>
    public GraphOptimization Optimization { get; init; } = GraphOptimization.All;

    /// <summary>
    /// Execution provider: <c>cpu</c> (default) or the short name of another provider compiled into this
    /// ONNX Runtime build (e.g. <c>xnnpack</c>); CPU stays the fallback for operators the provider lacks.
    /// </summary>
    public string ExecutionProvider { get; init; } = "cpu";
}
