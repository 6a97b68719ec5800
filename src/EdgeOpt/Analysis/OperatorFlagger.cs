using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>
/// Flags operators a plain ONNX runtime may not run: every op outside the default domain (ORT contrib, ONNX-ML,
/// training, model-local functions, custom domains), and default-domain ops that are not ONNX operator names or
/// that the imported opset does not define. Nodes in subgraphs are included.
/// </summary>
internal static class OperatorFlagger
{
    public static IReadOnlyList<FlaggedOperator> Flag(Model model)
    {
        var opset = model.GetOpset("");
        var functions = new HashSet<(string, string)>(model.Functions.Select(f => (f.Domain, f.Name)));
        var flagged = new Dictionary<(string Domain, string Op), (int Count, FlagReason Reason, string Detail)>();
        foreach (var node in model.Graph.AllNodes())
        {
            var domain = node.IsOnnxDomain ? "" : node.Domain;
            var key = (domain, node.OpType);
            if (flagged.TryGetValue(key, out var seen))
            {
                flagged[key] = seen with { Count = seen.Count + 1 };
                continue;
            }
            if (Classify(domain, node.OpType, opset, functions) is { } flag) flagged[key] = (1, flag.Reason, flag.Detail);
        }
        return [.. flagged
            .Select(kv => new FlaggedOperator(kv.Key.Domain, kv.Key.Op, kv.Value.Count, kv.Value.Reason, kv.Value.Detail))
            .OrderBy(f => f.Domain, StringComparer.Ordinal)
            .ThenBy(f => f.OpType, StringComparer.Ordinal)];
    }

    private static (FlagReason Reason, string Detail)? Classify(string domain, string op, long? opset, HashSet<(string, string)> functions)
    {
        if (functions.Contains((domain, op))) return (FlagReason.LocalFunction, "defined as a function in this model");
        if (domain.Length > 0)
        {
            if (domain == "com.microsoft" || domain.StartsWith("com.microsoft.", StringComparison.Ordinal))
                return (FlagReason.OrtContrib, "ORT contrib op: runs in ONNX Runtime only");
            if (domain == "ai.onnx.ml") return (FlagReason.OnnxMl, "ONNX-ML op: many edge runtimes lack it");
            if (domain.StartsWith("ai.onnx.preview", StringComparison.Ordinal)) return (FlagReason.Training, "preview/training op");
            return (FlagReason.CustomDomain, $"custom domain '{domain}': needs a custom op library");
        }
        if (OnnxOperatorCatalog.SinceVersion(op) is not { } since)
            return (FlagReason.UnknownOnnxOp, $"not an ONNX operator (known through opset {OnnxOperatorCatalog.LatestOpset})");
        if (opset is { } v)
        {
            if (since > v) return (FlagReason.NotInOpset, $"introduced in opset {since}, model imports opset {v}");
            if (OnnxOperatorCatalog.RemovedIn(op) is { } removed && removed <= v)
                return (FlagReason.NotInOpset, $"removed in opset {removed}, model imports opset {v}");
        }
        return null;
    }
}
