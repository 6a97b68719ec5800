namespace EdgeOpt.Quantization;

/// <summary>What <see cref="DynamicQuantizer"/> quantizes and how.</summary>
public sealed record DynamicQuantizationOptions
{
    /// <summary>The defaults: per-channel int8 weights for every MatMul, Gemm and Conv with a constant weight.</summary>
    public static DynamicQuantizationOptions Default { get; } = new();

    /// <summary>
    /// One scale per output column (along N; per output channel for Conv) instead of one per weight. Costs N floats per layer and keeps layers
    /// whose columns differ widely in magnitude accurate, so it is on by default (ORT's python default is off).
    /// </summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>Names of nodes to leave in float. A name that no node in the main graph has is a usage error.</summary>
    public IReadOnlyCollection<string> ExcludedNodes { get; init; } = [];

    /// <summary>Operators to quantize: any of <c>MatMul</c>, <c>Gemm</c> and <c>Conv</c> (all three by default). Anything else is a usage error.</summary>
    public IReadOnlyCollection<string> OpTypes { get; init; } = DynamicQuantizer.SupportedOpTypes;
}
