namespace EdgeOpt.Runtime;

/// <summary>How much ONNX Runtime rewrites the graph when it creates a session.</summary>
public enum GraphOptimization
{
    /// <summary>Run the graph exactly as written (useful to measure what a file costs on its own).</summary>
    None,

    /// <summary>Semantics-preserving rewrites such as constant folding and redundant node removal.</summary>
    Basic,

    /// <summary>Basic plus complex fusions (e.g. attention, GELU) for the chosen execution provider.</summary>
    Extended,

    /// <summary>Everything, including layout optimizations. ONNX Runtime's default.</summary>
    All,
}
