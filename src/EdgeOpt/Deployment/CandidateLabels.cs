using EdgeOpt.Analysis;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>How the search names a candidate in tables and reports, and the <c>edgeopt</c> command that builds its model.</summary>
internal static class CandidateLabels
{
    /// <summary>A short name, e.g. <c>int8-static per-channel, cpu, 2 threads</c>.</summary>
    public static string Label(CandidateSpec spec)
    {
        var parts = new List<string> { Precision(spec.Precision) + (spec.Precision is CandidatePrecision.Int8Static ? spec.PerChannel ? " per-channel" : " per-tensor" : "") };
        if (spec.OptimizationLevel != GraphOptimization.All) parts.Add($"ort {spec.OptimizationLevel.ToString().ToLowerInvariant()}");
        parts.Add(BackendSupport.CliName(spec.Backend));
        if (DeploymentSelection.IsCpuBackend(spec.Backend)) parts.Add(spec.Threads == 1 ? "1 thread" : $"{spec.Threads} threads");
        if (spec.BatchSize != 1) parts.Add($"batch {spec.BatchSize}");
        return string.Join(", ", parts);
    }

    /// <summary>The precision as the CLI and tables spell it.</summary>
    public static string Precision(CandidatePrecision precision) => precision switch
    {
        CandidatePrecision.Fp32 => "fp32",
        CandidatePrecision.Fp16 => "fp16",
        CandidatePrecision.Int8Static => "int8-static",
        CandidatePrecision.Int8Dynamic => "int8-dynamic",
        CandidatePrecision.Int4WeightOnly => "int4",
        CandidatePrecision.Mixed => "mixed",
        _ => precision.ToString(),
    };

    /// <summary>
    /// The <c>edgeopt</c> command line that builds the candidate's model from the input (graph optimization then the
    /// precision step); used for candidates that were not evaluated, whose result carries no command of its own.
    /// </summary>
    public static string Command(CandidateSpec spec)
    {
        var model = Quote(spec.ModelPath);
        var data = spec.Data is { } d ? $" --calib {Quote(d.Path)}" + (d.LabelsPath is { } l ? $" --labels {Quote(l)}" : "") : "";
        return spec.Precision switch
        {
            CandidatePrecision.Fp32 => $"edgeopt optimize {model} -o candidate.onnx",
            CandidatePrecision.Fp16 => $"edgeopt quantize {model} --type fp16 -o candidate.onnx",
            CandidatePrecision.Int8Static => $"edgeopt quantize {model} --type int8{(spec.PerChannel ? " --per-channel" : "")}{data} -o candidate.onnx",
            CandidatePrecision.Int8Dynamic => $"edgeopt quantize {model} --type int8-dynamic -o candidate.onnx",
            CandidatePrecision.Int4WeightOnly => $"edgeopt quantize {model} --type int4 -o candidate.onnx",
            CandidatePrecision.Mixed => $"edgeopt quantize {model} --type int8 --per-channel{data}" +
                (spec.Data is { } e ? $" --eval {Quote(e.Path)}" : "") + " --max-accuracy-drop 1 -o candidate.onnx",
            _ => $"edgeopt optimize {model} -o candidate.onnx",
        };
    }

    private static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or '\\')
        ? "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'"
        : path;
}
