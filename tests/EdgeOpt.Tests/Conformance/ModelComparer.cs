using System.Text;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Conformance;

/// <summary>
/// Semantic comparison of two IR models: every field the ONNX format carries (metadata, opsets, functions,
/// graphs and their subgraphs, values, initializers, nodes, attributes) plus how each node input is linked
/// (which producer, which scope). Returns readable differences, each with a path; none means identical.
/// </summary>
internal sealed class ModelComparer
{
    private readonly List<string> _differences = [];
    private const int MaxDifferences = 20;

    public static IReadOnlyList<string> Compare(Model expected, Model actual)
    {
        var c = new ModelComparer();
        c.CompareModels(expected, actual);
        return c._differences;
    }

    private void Diff(string path, string what)
    {
        if (_differences.Count < MaxDifferences) _differences.Add($"{path}: {what}");
    }

    private void Same<T>(string path, T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual)) Diff(path, $"expected {Show(expected)}, got {Show(actual)}");
    }

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? "",
    };

    private void CompareModels(Model e, Model a)
    {
        Same("model.ir_version", e.IrVersion, a.IrVersion);
        Same("model.producer_name", e.ProducerName, a.ProducerName);
        Same("model.producer_version", e.ProducerVersion, a.ProducerVersion);
        Same("model.domain", e.Domain, a.Domain);
        Same("model.model_version", e.ModelVersion, a.ModelVersion);
        Same("model.doc_string", e.DocString, a.DocString);
        Sequence("model.opset_import", e.OpsetImports, a.OpsetImports, (p, x, y) => Same(p, x, y));
        Entries("model.metadata_props", e.MetadataProps, a.MetadataProps);
        Sequence("model.training_info", e.TrainingInfo, a.TrainingInfo, Bytes);
        Sequence("model.configuration", e.DeviceConfigurations, a.DeviceConfigurations, Bytes);
        Sequence("model.functions", e.Functions, a.Functions, CompareFunctions);
        CompareGraphs("graph", e.Graph, a.Graph);
    }

    private void CompareFunctions(string path, OnnxFunction e, OnnxFunction a)
    {
        path = $"{path}({e.Domain}.{e.Name})";
        Same(path + ".domain", e.Domain, a.Domain);
        Same(path + ".name", e.Name, a.Name);
        Same(path + ".overload", e.Overload, a.Overload);
        Same(path + ".doc_string", e.DocString, a.DocString);
        Sequence(path + ".attribute", e.AttributeNames, a.AttributeNames, (p, x, y) => Same(p, x, y));
        Sequence(path + ".attribute_proto", e.AttributeDefaults, a.AttributeDefaults, CompareAttributes);
        Sequence(path + ".opset_import", e.OpsetImports, a.OpsetImports, (p, x, y) => Same(p, x, y));
        Entries(path + ".metadata_props", e.MetadataProps, a.MetadataProps);
        CompareGraphs(path + ".body", e.Body, a.Body);
    }

    private void CompareGraphs(string path, Graph e, Graph a)
    {
        Same(path + ".name", e.Name, a.Name);
        Same(path + ".doc_string", e.DocString, a.DocString);
        Entries(path + ".metadata_props", e.MetadataProps, a.MetadataProps);
        Sequence(path + ".quantization_annotation", e.QuantizationAnnotations, a.QuantizationAnnotations, (p, x, y) =>
        {
            Same(p + ".tensor_name", x.TensorName, y.TensorName);
            Entries(p + ".quant_parameter_tensor_names", x.QuantParameterTensorNames, y.QuantParameterTensorNames);
        });
        Sequence(path + ".input", e.Inputs, a.Inputs, CompareValues);
        Sequence(path + ".output", e.Outputs, a.Outputs, CompareValues);
        Sequence(path + ".initializer", e.Initializers, a.Initializers, CompareValues);
        Sequence(path + ".node", e.Nodes, a.Nodes, CompareNodes);
    }

    private void CompareNodes(string path, Node e, Node a)
    {
        path = $"{path}({e.OpType} '{e.Name}')";
        Same(path + ".name", e.Name, a.Name);
        Same(path + ".op_type", e.OpType, a.OpType);
        Same(path + ".domain", e.Domain, a.Domain);
        Same(path + ".overload", e.Overload, a.Overload);
        Same(path + ".doc_string", e.DocString, a.DocString);
        Entries(path + ".metadata_props", e.MetadataProps, a.MetadataProps);
        Sequence(path + ".device_configurations", e.DeviceConfigurations, a.DeviceConfigurations, Bytes);
        Sequence(path + ".input", e.Inputs, a.Inputs, (p, x, y) =>
        {
            Same(p + ".name", x?.Name ?? "", y?.Name ?? "");
            Same(p + ".defined_by", Origin(x), Origin(y));
        });
        Sequence(path + ".output", e.Outputs, a.Outputs, CompareValues);
        Sequence(path + ".attribute", e.Attributes, a.Attributes, CompareAttributes);
    }

    /// <summary>Where a node input comes from, so a mis-scoped link (e.g. to a shadowed outer value) shows.</summary>
    private static string Origin(Value? v)
    {
        if (v is null) return "(omitted)";
        var depth = v.OwningGraph?.Depth.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlinked";
        if (v.Producer is { } p)
            return $"output {v.OutputIndex} of node #{p.Graph?.Nodes.ToList().IndexOf(p)} ({p.OpType}) at depth {depth}";
        if (v.IsInitializer) return $"initializer at depth {depth}" + (v.IsGraphInput ? " (also an input)" : "");
        return v.IsGraphInput ? $"graph input at depth {depth}" : "an undefined value";
    }

    private void CompareValues(string path, Value e, Value a)
    {
        path = $"{path}('{e.Name}')";
        Same(path + ".name", e.Name, a.Name);
        Same(path + ".type", e.Type, a.Type);
        Same(path + ".doc_string", e.DocString, a.DocString);
        Entries(path + ".metadata_props", e.MetadataProps, a.MetadataProps);
        Same(path + ".is_graph_input", e.IsGraphInput, a.IsGraphInput);
        Same(path + ".has_initializer", e.Initializer is not null, a.Initializer is not null);
        Same(path + ".has_sparse_initializer", e.SparseInitializer is not null, a.SparseInitializer is not null);
        if (e.Initializer is { } et && a.Initializer is { } at) CompareTensors(path + ".initializer", et, at);
        if (e.SparseInitializer is { } es && a.SparseInitializer is { } @as) CompareSparse(path + ".sparse_initializer", es, @as);
    }

    public void CompareTensors(string path, Tensor e, Tensor a)
    {
        Same(path + ".name", e.Name, a.Name);
        Same(path + ".data_type", e.DataType, a.DataType);
        Same(path + ".dims", string.Join(",", e.Dims), string.Join(",", a.Dims));
        Same(path + ".doc_string", e.DocString, a.DocString);
        Entries(path + ".metadata_props", e.MetadataProps, a.MetadataProps);
        if (e.DataType != a.DataType) return;
        if (e.DataType == DataType.String)
            Sequence(path + ".string_data", e.Strings, a.Strings, (p, x, y) => Bytes(p, x, y));
        else if (!e.RawBytes.SequenceEqual(a.RawBytes))
            Diff(path + ".data", $"payload differs ({e.ByteLength} vs {a.ByteLength} bytes)");
    }

    private void CompareSparse(string path, SparseTensor e, SparseTensor a)
    {
        CompareTensors(path + ".values", e.Values, a.Values);
        CompareTensors(path + ".indices", e.Indices, a.Indices);
        Same(path + ".dims", string.Join(",", e.Dims), string.Join(",", a.Dims));
    }

    private void CompareAttributes(string path, OnnxAttribute e, OnnxAttribute a)
    {
        path = $"{path}('{e.Name}')";
        Same(path + ".name", e.Name, a.Name);
        Same(path + ".type", e.Kind, a.Kind);
        Same(path + ".ref_attr_name", e.RefAttributeName, a.RefAttributeName);
        Same(path + ".doc_string", e.DocString, a.DocString);
        switch (e.Value, a.Value)
        {
            case (null, null): break;
            case (float x, float y): Same(path + ".f", BitConverter.SingleToInt32Bits(x), BitConverter.SingleToInt32Bits(y)); break;
            case (long x, long y): Same(path + ".i", x, y); break;
            case (byte[] x, byte[] y): Bytes(path + ".s", x, y); break;
            case (Tensor x, Tensor y): CompareTensors(path + ".t", x, y); break;
            case (Graph x, Graph y): CompareGraphs(path + ".g", x, y); break;
            case (SparseTensor x, SparseTensor y): CompareSparse(path + ".sparse_tensor", x, y); break;
            case (OnnxType x, OnnxType y): Same(path + ".tp", x, y); break;
            case (float[] x, float[] y): Sequence(path + ".floats", x, y, (p, u, v) => Same(p, BitConverter.SingleToInt32Bits(u), BitConverter.SingleToInt32Bits(v))); break;
            case (long[] x, long[] y): Sequence(path + ".ints", x, y, (p, u, v) => Same(p, u, v)); break;
            case (byte[][] x, byte[][] y): Sequence(path + ".strings", x, y, (p, u, v) => Bytes(p, u, v)); break;
            case (Tensor[] x, Tensor[] y): Sequence(path + ".tensors", x, y, CompareTensors); break;
            case (Graph[] x, Graph[] y): Sequence(path + ".graphs", x, y, CompareGraphs); break;
            case (SparseTensor[] x, SparseTensor[] y): Sequence(path + ".sparse_tensors", x, y, CompareSparse); break;
            case (OnnxType[] x, OnnxType[] y): Sequence(path + ".type_protos", x, y, (p, u, v) => Same(p, u, v)); break;
            default: Diff(path, $"value {e.Value?.GetType().Name ?? "null"} vs {a.Value?.GetType().Name ?? "null"}"); break;
        }
    }

    private void Entries(string path, IReadOnlyList<KeyValuePair<string, string>> e, IReadOnlyList<KeyValuePair<string, string>> a) =>
        Sequence(path, e, a, (p, x, y) => Same(p, $"{x.Key}={x.Value}", $"{y.Key}={y.Value}"));

    private void Bytes(string path, ReadOnlyMemory<byte> e, ReadOnlyMemory<byte> a)
    {
        if (!e.Span.SequenceEqual(a.Span)) Diff(path, $"bytes differ: {Preview(e)} vs {Preview(a)}");
    }

    private static string Preview(ReadOnlyMemory<byte> b) =>
        b.Length <= 32 ? Encoding.UTF8.GetString(b.Span) : $"{b.Length} bytes";

    private void Sequence<T>(string path, IReadOnlyList<T> e, IReadOnlyList<T> a, Action<string, T, T> compare)
    {
        if (e.Count != a.Count)
        {
            Diff(path, $"{e.Count} entries expected, got {a.Count}");
            return;
        }
        for (var i = 0; i < e.Count; i++) compare($"{path}[{i}]", e[i], a[i]);
    }
}
