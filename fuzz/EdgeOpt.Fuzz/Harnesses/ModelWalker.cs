using EdgeOpt.Onnx;

namespace EdgeOpt.Fuzz;

/// <summary>
/// Reads everything a loaded model holds, so lazily decoded parts are decoded in the harness: tensor payloads
/// (memory-mapped slices, external data, packed fields), string tensors, sparse tensors, attributes, types and subgraphs.
/// </summary>
internal static class ModelWalker
{
    /// <summary>Walks the main graph, its subgraphs and every local function's body.</summary>
    public static void Touch(Model model)
    {
        _ = model.GetOpset();
        foreach (var function in model.Functions)
        {
            foreach (var a in function.AttributeDefaults) Touch(a);
            Touch(function.Body);
        }
        Touch(model.Graph);
    }

    private static void Touch(Graph root)
    {
        foreach (var graph in root.AllGraphs())
        {
            foreach (var value in graph.Inputs.Concat(graph.Outputs)) _ = value.Type?.ToString();
            foreach (var value in graph.Initializers)
            {
                if (value.Initializer is { } tensor) Touch(tensor);
                if (value.SparseInitializer is { } sparse) Touch(sparse);
            }
            foreach (var node in graph.Nodes)
            {
                _ = node.DisplayName;
                foreach (var attribute in node.Attributes) Touch(attribute);
            }
        }
    }

    private static void Touch(OnnxAttribute attribute)
    {
        switch (attribute.Value)
        {
            case Tensor t: Touch(t); break;
            case Tensor[] ts: foreach (var t in ts) Touch(t); break;
            case SparseTensor s: Touch(s); break;
            case SparseTensor[] ss: foreach (var s in ss) Touch(s); break;
            case OnnxType type: _ = type.ToString(); break;
            case OnnxType[] types: foreach (var type in types) _ = type.ToString(); break;
            default: _ = attribute.Value?.ToString(); break;
        }
    }

    private static void Touch(SparseTensor sparse)
    {
        Touch(sparse.Values);
        Touch(sparse.Indices);
    }

    /// <summary>Reads the payload (first and last byte of it, which maps or reads the whole of a lazy payload).</summary>
    public static void Touch(Tensor tensor)
    {
        _ = tensor.ToString();
        if (tensor.DataType == DataType.String)
        {
            _ = tensor.Strings.Count;
            return;
        }
        var bytes = tensor.RawBytes;
        if (bytes.Length > 0) _ = bytes[0] ^ bytes[^1];
    }

    /// <summary>Reads a sequence, map or optional value and every tensor inside it.</summary>
    public static void Touch(OnnxDataValue value)
    {
        _ = value.ToString();
        if (value.Tensor is { } tensor) Touch(tensor);
        foreach (var element in value.Elements) Touch(element);
    }
}
