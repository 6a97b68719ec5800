namespace EdgeOpt.Pruning;

/// <summary>One weight tensor after unstructured pruning.</summary>
/// <param name="Node">The Conv/Gemm/MatMul node, by display name.</param>
/// <param name="Weight">The weight initializer's name.</param>
/// <param name="Elements">Weights in the tensor.</param>
/// <param name="Zeros">Weights that are zero after pruning.</param>
/// <param name="Updated">True when the second-order update changed the remaining weights.</param>
public sealed record LayerSparsity(string Node, string Weight, long Elements, long Zeros, bool Updated)
{
    /// <summary>Zeros / Elements.</summary>
    public double Sparsity => Elements == 0 ? 0 : (double)Zeros / Elements;
}
