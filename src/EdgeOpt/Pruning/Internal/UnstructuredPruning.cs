using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>Unstructured and N:M pruning of Conv/Gemm/MatMul weights, with the optional second-order update.</summary>
internal static class UnstructuredPruning
{
    /// <summary>Prunes <paramref name="work"/> (a copy of <paramref name="original"/>) in place.</summary>
    public static PruningOutcome Run(Model original, Model work, PruningOptions options, IReadOnlyList<IReadOnlyDictionary<string, Tensor>>? samples,
        IProgress<PruningProgress>? progress, CancellationToken cancellation) =>
        throw new NotImplementedException("unstructured pruning: in progress (issue 14)");
}
