using EdgeOpt.Pruning;
using EdgeOpt.Runtime;

namespace EdgeOpt.Cli.Commands;

/// <summary>What <c>edgeopt prune</c> did, as printed in the tables and as the <c>--json</c> object.</summary>
internal sealed record PruneReport(
    string Input,
    string Output,
    string Kind,
    PruneSettings Settings,
    long MacsBefore,
    long MacsAfter,
    double MacRatio,
    long ParametersBefore,
    long ParametersAfter,
    long BytesBefore,
    long BytesAfter,
    PruneCompression? Compressed,
    PruneFidelity Fidelity,
    IReadOnlyList<ChannelGroupReport> Groups,
    IReadOnlyList<GroupSensitivity> Sensitivity,
    ReconstructionReport? Reconstruction,
    IReadOnlyList<LayerSparsity> Layers,
    PruneEvaluation? Evaluation,
    PruneTimings Timings,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Groups whose channels were cut.</summary>
    public int GroupsPruned => Groups.Count(g => g.Kept < g.Channels);

    /// <summary>Groups left whole because a rule, a graph output or --exclude keeps them.</summary>
    public int GroupsUnprunable => Groups.Count(g => !g.Prunable);

    public static PruneReport From(string input, string output, long bytesBefore, long bytesAfter, PruningResult result, string? data, bool? representative,
        PruneEvaluation? evaluation, PruneCompression? compression, PruneTimings timings)
    {
        var o = result.Options;
        var structured = o.Kind == PruningKind.Structured;
        return new PruneReport(
            input, output, OptionFlags.Value(o.Kind).TrimStart('-'),
            new PruneSettings(
                structured ? o.TargetMacs : null, structured ? o.Ratio : null, structured ? OptionFlags.Value(o.Importance) : null,
                structured ? o.Reconstruct : null, structured ? o.RoundTo : null, o.ExcludedNodes.ToList(),
                structured ? null : o.Pattern?.Sparsity ?? o.Sparsity, structured ? null : o.Pattern?.ToString(),
                structured ? null : OptionFlags.Value(o.Score), structured ? null : OptionFlags.Value(o.Scope),
                structured ? null : o.SecondOrderUpdate, data, representative, o.Samples),
            result.MacsBefore, result.MacsAfter, result.MacRatio, result.ParametersBefore, result.ParametersAfter, bytesBefore, bytesAfter, compression,
            new PruneFidelity(result.FidelityOnData ? data ?? "the data" : $"{result.Fidelity.Samples} generated inputs (not representative)",
                result.FidelityOnData, result.Fidelity.Samples,
                result.Fidelity.Outputs.Count == 0 ? 1 : result.Fidelity.Outputs.Min(f => f.Cosine), result.Fidelity.MaxRelativeError, result.Fidelity.Outputs),
            result.Groups, result.Sensitivity, result.Reconstruction, result.Layers, evaluation, timings, result.Warnings);
    }
}

/// <summary>The options the model was pruned with, as the command line spells them (null: does not apply to the kind).</summary>
internal sealed record PruneSettings(
    double? TargetMacs, double? Ratio, string? Importance, bool? Reconstruct, int? RoundTo, IReadOnlyList<string> Excluded,
    double? Sparsity, string? Pattern, string? Score, string? Scope, bool? SecondOrder, string? Data, bool? Representative, int? Samples);

/// <summary>The pruned model against the input in ONNX Runtime (<see cref="PruningResult.Fidelity"/>).</summary>
/// <param name="On">What it ran on: the data's description, or generated inputs.</param>
/// <param name="Cosine">The smallest cosine of any output (1 = same direction).</param>
internal sealed record PruneFidelity(string On, bool OnData, int Samples, double Cosine, double MaxRelativeError, IReadOnlyList<OutputFidelity> Outputs);

/// <summary>A zip (deflate) of the model before and after: what unstructured sparsity buys.</summary>
internal sealed record PruneCompression(long ZipBytesBefore, long ZipBytesAfter);

/// <summary>The pruned model measured against the input on the --eval data.</summary>
internal sealed record PruneEvaluation(string Data, EvaluationResult Result);

/// <summary>Wall time of each stage in milliseconds.</summary>
internal sealed record PruneTimings(double PruneMs, double EvaluateMs, double WriteMs, double TotalMs);
