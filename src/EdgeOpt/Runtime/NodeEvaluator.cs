using System.Security.Cryptography;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Runtime;

/// <summary>
/// Evaluates one node on constant inputs by wrapping it in a one-node model (the source model's opset imports and
/// IR version, inputs typed by the constants' exact shapes) and running that in ONNX Runtime. So every operator and
/// type ORT implements can be folded, with ORT's own numerics. Sessions are cached by the serialized one-node model
/// (which encodes op, attributes, opsets and input types/shapes), so identical nodes share one session. Not
/// thread-safe; dispose to release the sessions.
/// </summary>
internal sealed class NodeEvaluator : IDisposable
{
    private readonly IReadOnlyList<OpsetImport> _opsets;
    private readonly long _irVersion;
    private readonly Dictionary<string, InferenceSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failures = new(StringComparer.Ordinal);

    // ORT's optimizers would rewrite (or constant-fold) the one node; running it as written is what we want.
    private static readonly SessionSettings Settings = new() { Optimization = GraphOptimization.None, IntraOpThreads = 1 };

    public NodeEvaluator(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _opsets = model.OpsetImports.ToList();
        _irVersion = model.IrVersion;
    }

    /// <summary>
    /// Runs <paramref name="node"/> with <paramref name="inputs"/> (one per node input; null for an omitted optional
    /// input). Returns one tensor per node output (null for an unnamed optional output), or null with the reason
    /// in <paramref name="failure"/> when ORT cannot run it (unknown op, unsupported type, non-tensor output...).
    /// </summary>
    public Tensor?[]? TryEvaluate(Node node, IReadOnlyList<Tensor?> inputs, out string? failure)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(inputs);
        failure = null;
        foreach (var t in inputs)
        {
            if (t is not null && !OrtTensors.IsSupported(t.DataType))
            {
                failure = $"ONNX Runtime's C# API cannot carry {t.DataType.OnnxName()} input '{t.Name}'";
                return null;
            }
        }
        var oneNode = BuildOneNodeModel(node, inputs);
        var bytes = oneNode.ToBytes();
        var key = Convert.ToHexString(SHA256.HashData(bytes));
        if (_failures.TryGetValue(key, out failure)) return null;
        if (!_sessions.TryGetValue(key, out var session))
        {
            try
            {
                session = SessionFactory.Create(bytes, Settings, $"one-node model for {node.DisplayName}");
            }
            catch (EdgeOptException e)
            {
                // ORT's own words say what is wrong (unknown op, type not implemented...); our wrapper adds nothing here.
                failure = OneLine((e.InnerException ?? e).Message);
                _failures[key] = failure;
                return null;
            }
            // Only tensors become initializers; reading sequences or optionals back is not worth the risk.
            if (session.OutputMetadata.Values.FirstOrDefault(m => m.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR) is { } other)
            {
                session.Dispose();
                failure = $"it produces a {other.OnnxValueType}, not a tensor";
                _failures[key] = failure;
                return null;
            }
            _sessions[key] = session;
        }
        return Run(session, oneNode, inputs, node, out failure);
    }

    private static Tensor?[]? Run(InferenceSession session, Model oneNode, IReadOnlyList<Tensor?> inputs, Node node, out string? failure)
    {
        failure = null;
        var graph = oneNode.Graph;
        var feeds = new List<OrtValue>(graph.Inputs.Count);
        try
        {
            foreach (var input in graph.Inputs)
                feeds.Add(OrtTensors.ToOrtValue(inputs[FeedIndex(input)]!));
            var outputNames = graph.Outputs.Select(o => o.Name).ToList();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, graph.Inputs.Select(i => i.Name).ToList(), feeds, outputNames);
            var produced = new Tensor?[node.Outputs.Count];
            for (var i = 0; i < outputNames.Count; i++)
            {
                var index = int.Parse(outputNames[i].AsSpan("out".Length), System.Globalization.CultureInfo.InvariantCulture);
                produced[index] = OrtTensors.ToTensor(results[i], node.Outputs[index].Name);
            }
            return produced;
        }
        catch (Exception e) when (e is OnnxRuntimeException or EdgeOptException)
        {
            failure = OneLine(e.Message);
            return null;
        }
        finally
        {
            foreach (var f in feeds) f.Dispose();
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    // One-node graph inputs are named "in{i}" after the node input they feed.
    private static int FeedIndex(Value input) =>
        int.Parse(input.Name.AsSpan("in".Length), System.Globalization.CultureInfo.InvariantCulture);

    private Model BuildOneNodeModel(Node node, IReadOnlyList<Tensor?> inputs)
    {
        var graph = new Graph("fold");
        var nodeInputs = new Value?[node.Inputs.Count];
        var fed = new Dictionary<Value, Value>();
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i] is not { } original || inputs[i] is not { } tensor) continue;
            // A value read twice (e.g. Mul(c, c)) is fed once.
            if (!fed.TryGetValue(original, out var input))
            {
                input = new Value($"in{i}", new TensorType(tensor.DataType, tensor.Shape));
                graph.Inputs.Add(input);
                fed[original] = input;
            }
            nodeInputs[i] = input;
        }
        var outputs = node.Outputs.Select((o, i) => new Value(o.Name.Length == 0 ? "" : $"out{i}")).ToList();
        var copy = new Node(node.OpType, nodeInputs, outputs, node.Domain, node.Name);
        foreach (var a in node.Attributes) copy.Attributes.Set(a);
        graph.AddNode(copy);
        graph.Outputs.AddRange(outputs.Where(o => o.Name.Length > 0));
        var model = new Model(graph) { IrVersion = _irVersion, ProducerName = "EdgeOpt" };
        model.OpsetImports.AddRange(_opsets);
        return model;
    }

    public void Dispose()
    {
        foreach (var s in _sessions.Values) s.Dispose();
        _sessions.Clear();
    }
}
