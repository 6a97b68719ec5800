namespace EdgeOpt.Onnx;

/// <summary>ONNX <c>SparseTensorProto</c>: non-zero <see cref="Values"/> at <see cref="Indices"/> of a dense shape.</summary>
public sealed class SparseTensor(Tensor values, Tensor indices, IReadOnlyList<long> dims)
{
    public Tensor Values { get; } = values;

    /// <summary>Either [NNZ] linearized indices or [NNZ, rank] coordinates (int64).</summary>
    public Tensor Indices { get; } = indices;

    /// <summary>The dense shape.</summary>
    public IReadOnlyList<long> Dims { get; } = dims.ToArray();

    /// <summary>The name under which it is referenced (that of <see cref="Values"/>).</summary>
    public string Name => Values.Name;
}
