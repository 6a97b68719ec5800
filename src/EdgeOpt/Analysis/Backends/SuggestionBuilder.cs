using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis.Backends;

/// <summary>Turns a backend check into actions EdgeOpt can take, each with the command line when one command does it.</summary>
internal static class SuggestionBuilder
{
    private const int TensorRtMinOpset = 9;
    private const int UpgradeTarget = 17;

    // Replacements in ONNX ops for operators some backends lack; others get a generic suggestion.
    private static readonly Dictionary<string, string> Replacements = new(StringComparer.Ordinal)
    {
        ["BatchNormalization"] = "fold it into the preceding Conv",
        ["Gelu"] = "the Erf form x*0.5*(1+Erf(x/sqrt(2))) or the Tanh approximation",
        ["HardSwish"] = "x*HardSigmoid(x) (or Add, Clip, Mul, Div)",
        ["HardSigmoid"] = "Clip(x*alpha+beta, 0, 1) (Mul, Add, Clip)",
        ["Softplus"] = "Log(1+Exp(x)) (Exp, Add, Log)",
        ["Erf"] = "the Tanh approximation of the activation that uses it",
        ["Reciprocal"] = "Div(1, x)",
        ["Min"] = "Neg(Max(Neg(a), Neg(b)))",
        ["Dropout"] = "nothing: it is an identity at inference",
        ["Identity"] = "nothing: it can be removed",
    };

    public static IReadOnlyList<Suggestion> Build(Model analysed, string? sourcePath, AccelerationBackend backend,
        IReadOnlyList<NodeSupport> nodes, int partitions)
    {
        // Commands name the model as it was loaded and write next to it, so they can be pasted as they are.
        var file = Quote(sourcePath ?? "model.onnx");
        var folder = sourcePath is null ? "" : Path.GetDirectoryName(sourcePath) ?? "";
        var stem = Path.Combine(folder, sourcePath is null ? "model" : Path.GetFileNameWithoutExtension(sourcePath));
        var name = BackendSupport.DisplayName(backend);
        var list = new List<Suggestion>();

        if (backend == AccelerationBackend.TensorRt && analysed.GetOpset("") is < TensorRtMinOpset)
            list.Add(new Suggestion(SuggestionKind.UpgradeOpset,
                $"TensorRT 10 parses opsets {TensorRtMinOpset} to 20; convert the model to opset {UpgradeTarget} first",
                $"edgeopt optimize {file} --target-opset {UpgradeTarget} -o {Quote($"{stem}.opset{UpgradeTarget}.onnx")}",
                NodeNames(nodes.Where(n => n.Cause == UnsupportedCause.Opset))));

        if (backend is AccelerationBackend.Nnapi or AccelerationBackend.CoreMl or AccelerationBackend.TensorRt && FixedShapes(analysed) is { Count: > 0 } fixes)
        {
            var why = backend switch
            {
                AccelerationBackend.Nnapi => "NNAPI rejects every node with a dynamic shape",
                AccelerationBackend.CoreMl => "Core ML runs dynamic shapes on slower paths (often CPU only)",
                _ => "TensorRT needs an optimization profile per dynamic input, and builds slower engines",
            };
            var affected = nodes.Where(n => n.Cause == UnsupportedCause.DynamicShape);
            list.Add(new Suggestion(SuggestionKind.FixShapes,
                $"{why}; fix the input shapes (symbolic dims set to 1 here; use your serving batch size)",
                $"edgeopt optimize {file} {string.Join(" ", fixes.Select(f => $"--fixed-shape {f}"))} -o {Quote($"{stem}.fixed.onnx")}",
                NodeNames(affected)));
        }

        var quantized = nodes.Where(n => IsQuantizedOp(n.OpType)).ToList();
        var heavy = nodes.Where(n => n.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul").ToList();
        if (backend is AccelerationBackend.Nnapi or AccelerationBackend.TensorRt && quantized.Count == 0 && heavy.Count > 0)
            list.Add(new Suggestion(SuggestionKind.Quantize,
                backend == AccelerationBackend.Nnapi
                    ? "NNAPI accelerators (NPU/DSP) run int8 kernels fastest and many run float only on the GPU or CPU; quantize to int8 (QDQ)"
                    : "TensorRT's INT8 kernels are the fastest on Jetson; quantize to int8 (QDQ) with calibration data",
                $"edgeopt quantize {file} --type int8 --calib DIR -o {Quote($"{stem}.int8.onnx")}",
                NodeNames(heavy)));

        if (quantized.Any(n => !n.Supported))
            list.Add(new Suggestion(SuggestionKind.KeepFloat,
                $"{name} does not run this model's quantized nodes; ship the float (or fp16) model for {name} instead of the int8 one",
                null, NodeNames(quantized.Where(n => !n.Supported))));

        foreach (var group in nodes.Where(n => n.Cause == UnsupportedCause.Operator && !IsQuantizedOp(n.OpType)).GroupBy(n => (n.Domain, n.OpType)))
        {
            // XNNPACK and WebAssembly share the CPU's memory with the CPU provider: a partition boundary costs no copy,
            // so only folding BatchNormalization (which lets Conv and its activation fuse) is worth suggesting.
            if (backend is AccelerationBackend.Xnnpack or AccelerationBackend.Wasm && group.Key.OpType != "BatchNormalization") continue;
            var op = group.Key.OpType;
            var count = group.Count();
            var split = partitions > 1 ? $"; unsupported nodes between supported ones split the graph into {partitions} partitions" : "";
            var (text, command) = op == "BatchNormalization"
                ? ($"{name} lacks BatchNormalization ({count} nodes): fold it into the preceding Conv{split}",
                    $"edgeopt optimize {file} -o {Quote($"{stem}.opt.onnx")}")
                : Replacements.TryGetValue(op, out var with)
                    ? ($"{name} lacks {op} ({count} nodes): replace it with {with}{split}", (string?)null)
                    : ($"{name} lacks {op} ({count} nodes): replace it with supported operators, or move it to the start or end of the graph{split}", null);
            list.Add(new Suggestion(SuggestionKind.ReplaceOp, text, command, NodeNames(group)));
        }
        return list;
    }

    /// <summary><c>name=1x3x224x224</c> for each graph input with a symbolic dim (set to 1); inputs of unknown rank are skipped.</summary>
    private static List<string> FixedShapes(Model model)
    {
        var fixes = new List<string>();
        foreach (var input in model.Graph.Inputs)
        {
            if (input.IsInitializer || input.Type is not TensorType { Shape: { IsStatic: false } shape }) continue;
            fixes.Add($"{Quote(input.Name)}={string.Join("x", shape.Select(d => d.Value ?? 1))}");
        }
        return fixes;
    }

    private static bool IsQuantizedOp(string op) =>
        op is "QuantizeLinear" or "DequantizeLinear" or "DynamicQuantizeLinear" or "MatMulInteger" or "ConvInteger" or "MatMulNBits"
        || op.StartsWith("QLinear", StringComparison.Ordinal);

    private static List<string> NodeNames(IEnumerable<NodeSupport> nodes) =>
        [.. nodes.Select(n => n.Node.Name.Length > 0 ? n.Node.Name : n.Node.DisplayName)];

    /// <summary>Quotes a path or name for a POSIX shell when it has characters the shell would split or expand.</summary>
    private static string Quote(string text) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/' or ':' or '=') ? text : $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
