using System.Text;
using EdgeOpt.Onnx;

namespace EdgeOpt.Targets.Mobile;

/// <summary>
/// ONNX Runtime's reduced-build operator configuration, the input of <c>build.sh --include_ops_by_config</c>, in the exact
/// format its tools write (tools/python/util/ort_format_model/utils.py, create_config_from_models): a
/// <c># Generated from model/s:</c> header naming each model, then per domain and opset (both sorted) one line
/// <c>domain;opset;Op1,Op2</c> with the ops sorted. With type reduction each op of the type-tracked set is followed by the
/// JSON of the element types its kernels dispatch on (operator_type_usage_processors.py), e.g.
/// <c>Conv{"inputs": {"0": ["float"]}}</c>, written as Python's json.dumps does.
/// </summary>
internal sealed class RequiredOperatorsConfig
{
    public const string FileName = "required_operators.config";
    public const string WithTypesFileName = "required_operators_and_types.config";

    // Which inputs (and outputs) each tracked op's kernel registrations switch on; ops not listed are type-agnostic there.
    private static readonly Dictionary<string, (int[] Inputs, int[] Outputs)> Tracked = BuildTracked();

    private readonly List<string> _models = [];
    // domain → opset → ops
    private readonly SortedDictionary<string, SortedDictionary<long, SortedSet<string>>> _ops = new(StringComparer.Ordinal);
    // "domain:op" → (input or output, index) → C++ type names
    private readonly Dictionary<string, (SortedDictionary<int, SortedSet<string>> Inputs, SortedDictionary<int, SortedSet<string>> Outputs)> _types =
        new(StringComparer.Ordinal);

    /// <summary>Adds every node of <paramref name="graphOf"/> (subgraphs included, as ORT walks them) under the name <paramref name="modelName"/>.</summary>
    public void Add(string modelName, Model graphOf)
    {
        if (!_models.Contains(modelName)) _models.Add(modelName);
        foreach (var node in graphOf.Graph.AllNodes())
        {
            var domain = node.IsOnnxDomain ? "ai.onnx" : node.Domain;
            var opset = graphOf.GetOpset(node.IsOnnxDomain ? "" : node.Domain) ?? 1;
            if (!_ops.TryGetValue(domain, out var byOpset)) _ops[domain] = byOpset = [];
            if (!byOpset.TryGetValue(opset, out var ops)) byOpset[opset] = ops = new SortedSet<string>(StringComparer.Ordinal);
            ops.Add(node.OpType);

            var key = $"{domain}:{node.OpType}";
            if (!Tracked.TryGetValue(key, out var tracked)) continue;
            if (!_types.TryGetValue(key, out var seen)) _types[key] = seen = ([], []);
            foreach (var i in tracked.Inputs)
                if (i < node.Inputs.Count && node.Inputs[i] is { } v && CppType(v) is { } type) Add(seen.Inputs, i, type);
            foreach (var o in tracked.Outputs)
                if (o < node.Outputs.Count && CppType(node.Outputs[o]) is { } type) Add(seen.Outputs, o, type);
        }
    }

    /// <summary>The operators by domain and opset.</summary>
    public IReadOnlyDictionary<string, SortedDictionary<long, SortedSet<string>>> Operators => _ops;

    /// <summary>The file's text; <paramref name="withTypes"/> writes the per-op type JSON.</summary>
    public string Write(bool withTypes)
    {
        var text = new StringBuilder();
        text.Append("# Generated from model/s:\n");
        foreach (var model in _models.Order(StringComparer.Ordinal)) text.Append("# - ").Append(model).Append('\n');
        foreach (var (domain, byOpset) in _ops)
            foreach (var (opset, ops) in byOpset)
            {
                if (ops.Count == 0) continue;
                text.Append(domain).Append(';').Append(opset).Append(';');
                text.AppendJoin(",", ops.Select(op => withTypes ? op + TypeEntry($"{domain}:{op}") : op));
                text.Append('\n');
            }
        return text.ToString();
    }

    /// <summary>Reads a config back: domain → opset → ops (type JSON stripped). For checks and tests.</summary>
    /// <exception cref="FormatException">A line that is not <c>domain;opset;ops</c>.</exception>
    public static Dictionary<string, Dictionary<long, HashSet<string>>> Parse(string text)
    {
        var result = new Dictionary<string, Dictionary<long, HashSet<string>>>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(';', 3);
            if (parts.Length != 3 || !long.TryParse(parts[1], out var opset)) throw new FormatException($"not a 'domain;opset;ops' line: {line}");
            if (!result.TryGetValue(parts[0], out var byOpset)) result[parts[0]] = byOpset = [];
            if (!byOpset.TryGetValue(opset, out var ops)) byOpset[opset] = ops = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in SplitEntries(parts[2])) ops.Add(entry.Contains('{') ? entry[..entry.IndexOf('{')] : entry);
        }
        return result;
    }

    // Entries are comma separated, but the type JSON holds commas too: split only outside braces.
    private static IEnumerable<string> SplitEntries(string ops)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < ops.Length; i++)
        {
            if (ops[i] == '{') depth++;
            else if (ops[i] == '}') depth--;
            else if (ops[i] == ',' && depth == 0)
            {
                yield return ops[start..i];
                start = i + 1;
            }
        }
        if (start < ops.Length) yield return ops[start..];
    }

    private string TypeEntry(string key)
    {
        if (!_types.TryGetValue(key, out var seen)) return "";
        var parts = new List<string>();
        if (seen.Inputs.Count > 0) parts.Add("\"inputs\": " + Section(seen.Inputs));
        if (seen.Outputs.Count > 0) parts.Add("\"outputs\": " + Section(seen.Outputs));
        return parts.Count == 0 ? "" : "{" + string.Join(", ", parts) + "}";

        static string Section(SortedDictionary<int, SortedSet<string>> byIndex) =>
            "{" + string.Join(", ", byIndex.Select(p => $"\"{p.Key}\": [{string.Join(", ", p.Value.Select(t => $"\"{t}\""))}]")) + "}";
    }

    private static void Add(SortedDictionary<int, SortedSet<string>> seen, int index, string type)
    {
        if (!seen.TryGetValue(index, out var set)) seen[index] = set = new SortedSet<string>(StringComparer.Ordinal);
        set.Add(type);
    }

    // The C++ element type names ORT's kernel registrations use.
    private static string? CppType(Value value) => (value.ElementType ?? value.Initializer?.DataType) switch
    {
        DataType.Float => "float",
        DataType.Double => "double",
        DataType.Int8 => "int8_t",
        DataType.UInt8 => "uint8_t",
        DataType.Int16 => "int16_t",
        DataType.UInt16 => "uint16_t",
        DataType.Int32 => "int32_t",
        DataType.UInt32 => "uint32_t",
        DataType.Int64 => "int64_t",
        DataType.UInt64 => "uint64_t",
        DataType.Bool => "bool",
        DataType.Float16 => "MLFloat16",
        DataType.BFloat16 => "BFloat16",
        DataType.String => "std::string",
        _ => null,
    };

    // From operator_type_usage_processors.py (_create_operator_type_usage_processors).
    private static Dictionary<string, (int[] Inputs, int[] Outputs)> BuildTracked()
    {
        var tracked = new Dictionary<string, (int[], int[])>(StringComparer.Ordinal);
        string[] input0 =
        [
            "Abs", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "BitShift", "Ceil", "Clip", "Conv", "CumSum", "Exp", "Expand", "Floor",
            "Gemm", "IsNaN", "Log", "LogSoftmax", "LpNormalization", "MatMul", "Max", "MaxPool", "Mean", "Min", "NonZero", "Pad", "Range",
            "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
            "ReduceSum", "ReduceSumSquare", "Relu", "Resize", "ReverseSequence", "RoiAlign", "Round", "Scatter", "ScatterElements", "ScatterND",
            "Shrink", "Sigmoid", "Sign", "Sin", "Softmax", "Split", "SplitToSequence", "Sqrt", "Sum", "Tanh", "TopK", "Transpose", "Unique", "Where",
            "Add", "Div", "Equal", "Greater", "Less", "Mul", "Neg", "Sub", "DequantizeLinear",
        ];
        foreach (var op in input0) tracked[$"ai.onnx:{op}"] = ([0], []);
        foreach (var op in new[] { "QLinearAdd", "QLinearMul" }) tracked[$"com.microsoft:{op}"] = ([0], []);
        tracked["ai.onnx:Cast"] = ([0], [0]);
        foreach (var op in new[] { "Gather", "GatherElements", "Pow", "Slice" }) tracked[$"ai.onnx:{op}"] = ([0, 1], []);
        foreach (var op in new[] { "ConstantOfShape", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial",
                     "QuantizeLinear", "DynamicQuantizeLinear" })
            tracked[$"ai.onnx:{op}"] = ([], [0]);
        return tracked;
    }
}
