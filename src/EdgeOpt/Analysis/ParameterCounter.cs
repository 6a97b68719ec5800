using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>A constant tensor the model stores: an initializer or a Constant node's payload.</summary>
internal sealed record WeightTensor(string Name, TensorKind Kind, DataType DataType, IReadOnlyList<long> Dims, long Elements, long Bytes);

/// <summary>
/// Finds every weight in the main graph and its subgraphs: dense and sparse initializers, and the payload of
/// Constant nodes (<c>value</c>, <c>sparse_value</c>, <c>value_float(s)</c>, <c>value_int(s)</c>). Each distinct
/// tensor is counted once, even if two values share it. String constants are not numeric weights and are skipped;
/// a sparse tensor counts its stored (non-zero) values. Local function bodies are templates, not storage, and are skipped.
/// </summary>
internal static class ParameterCounter
{
    public static IReadOnlyList<WeightTensor> Collect(Model model)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var weights = new List<WeightTensor>();
        foreach (var graph in model.Graph.AllGraphs())
        {
            foreach (var v in graph.Initializers)
            {
                if (v.Initializer is { } t) AddTensor(t, v.Name, TensorKind.Weight);
                else if (v.SparseInitializer is { } s) AddSparse(s, v.Name, TensorKind.Weight);
            }
            foreach (var node in graph.Nodes)
            {
                if (node.OpType != "Constant" || !node.IsOnnxDomain) continue;
                var name = node.Outputs.Count > 0 ? node.Outputs[0].Name : node.Name;
                foreach (var a in node.Attributes) AddConstantAttribute(a, name);
            }
        }
        return weights;

        void AddTensor(Tensor t, string name, TensorKind kind)
        {
            if (t.DataType == DataType.String || !seen.Add(t)) return;
            weights.Add(new WeightTensor(name, kind, t.DataType, t.Dims, t.ElementCount, t.ByteLength));
        }

        void AddSparse(SparseTensor s, string name, TensorKind kind)
        {
            if (s.Values.DataType == DataType.String || !seen.Add(s)) return;
            weights.Add(new WeightTensor(name, kind, s.Values.DataType, s.Dims, s.Values.ElementCount, s.Values.ByteLength + s.Indices.ByteLength));
        }

        void AddConstantAttribute(OnnxAttribute a, string name)
        {
            switch (a.Value)
            {
                case Tensor t when a.Name == "value": AddTensor(t, name, TensorKind.Constant); break;
                case SparseTensor s when a.Name == "sparse_value": AddSparse(s, name, TensorKind.Constant); break;
                case float when a.Name == "value_float": AddScalars(a, name, DataType.Float, []); break;
                case long when a.Name == "value_int": AddScalars(a, name, DataType.Int64, []); break;
                case float[] fs when a.Name == "value_floats": AddScalars(a, name, DataType.Float, [fs.Length]); break;
                case long[] ls when a.Name == "value_ints": AddScalars(a, name, DataType.Int64, [ls.Length]); break;
            }
        }

        void AddScalars(OnnxAttribute a, string name, DataType type, long[] dims)
        {
            if (!seen.Add(a)) return;
            var n = ShapeResolver.Product(dims);
            weights.Add(new WeightTensor(name, TensorKind.Constant, type, dims, n, type.StorageBytes(n)));
        }
    }
}
