using System.Globalization;

namespace EdgeOpt.Deployment;

/// <summary>The human label and the reproducing <c>edgeopt</c> command line of a candidate.</summary>
internal static class CandidateCommand
{
    /// <summary>The precision's short name, as in labels and output file names: <c>fp32</c>, <c>int8-static</c>, ….</summary>
    public static string Tag(CandidatePrecision precision) => precision switch
    {
        CandidatePrecision.Fp32 => "fp32",
        CandidatePrecision.Fp16 => "fp16",
        CandidatePrecision.Int8Static => "int8-static",
        CandidatePrecision.Int8Dynamic => "int8-dynamic",
        CandidatePrecision.Int4WeightOnly => "int4",
        _ => "mixed",
    };

    /// <summary>E.g. <c>int8-static per-channel, 2 threads, batch 4, cpu</c>: every setting that tells it apart.</summary>
    public static string Label(CandidateSpec spec)
    {
        var parts = new List<string>();
        if (spec.PruneMacs is { } macs) parts.Add(Invariant($"channel-pruned {macs:0.###}× MACs"));
        var precision = Tag(spec.Precision);
        if (UsesPerChannel(spec.Precision)) precision += spec.PerChannel ? " per-channel" : " per-tensor";
        if (spec.Precision == CandidatePrecision.Mixed)
            precision += spec.MixedTargetAccuracy is { } f ? Invariant($" (keep {f * 100:0.##}% of FP32)") : Invariant($" (drop ≤ {spec.MixedMaxAccuracyDrop:0.##} pts)");
        parts.Add(precision);
        parts.Add(spec.Threads == 1 ? "1 thread" : Invariant($"{spec.Threads} threads"));
        if (spec.BatchSize != 1) parts.Add(Invariant($"batch {spec.BatchSize}"));
        if (spec.OptimizationLevel != Runtime.GraphOptimization.All) parts.Add($"ORT {spec.OptimizationLevel.ToString().ToLowerInvariant()}");
        parts.Add(spec.Backend.ToString().ToLowerInvariant());
        return string.Join(", ", parts);
    }

    /// <summary>Whether <see cref="CandidateSpec.PerChannel"/> changes the model for this precision.</summary>
    public static bool UsesPerChannel(CandidatePrecision precision) =>
        precision is CandidatePrecision.Int8Static or CandidatePrecision.Int8Dynamic or CandidatePrecision.Mixed;

    /// <summary>The output file the command writes: <c>MODEL-STEM.TAG.onnx</c> next to nothing in particular (the current folder).</summary>
    public static string OutputName(CandidateSpec spec) =>
        $"{Path.GetFileNameWithoutExtension(spec.ModelPath)}.{(spec.PruneMacs is { } macs ? $"{PrunedTag(macs)}." : "")}{Tag(spec.Precision)}{(UsesPerChannel(spec.Precision) && !spec.PerChannel ? "-per-tensor" : "")}.onnx";

    /// <summary>The pruned model's file name: <c>MODEL-STEM.pruned-0.75.onnx</c>.</summary>
    public static string PrunedName(CandidateSpec spec) => $"{Path.GetFileNameWithoutExtension(spec.ModelPath)}.{PrunedTag(spec.PruneMacs!.Value)}.onnx";

    private static string PrunedTag(double macs) => $"pruned-{Number(macs)}";

    /// <summary>
    /// <c>edgeopt prune</c> as a pruned candidate runs it: structured to the MAC target, reconstructed on the calibration
    /// samples when there is data.
    /// </summary>
    public static string PruneCommand(CandidateSpec spec)
    {
        var args = new List<string> { "edgeopt", "prune", spec.ModelPath, "-o", PrunedName(spec), "--structured", "--target-macs", Number(spec.PruneMacs!.Value) };
        if (spec.Data is { } data)
        {
            args.AddRange(["--data", data.Path, "--samples", data.CalibrationSamples.ToString(CultureInfo.InvariantCulture), "--reconstruct", "--importance", "activation"]);
            if (data.Image is { } image) args.AddRange(ImageFlags.For(image));
        }
        args.AddRange(["--round-to", CandidateEvaluator.PruneRoundTo.ToString(CultureInfo.InvariantCulture)]);
        return Join(args);
    }

    /// <summary>
    /// The command line that writes this candidate's model. <paramref name="minAccuracyPercent"/>: for mixed precision
    /// with a fraction-of-FP32 target, the top-1 (percent) that fraction came to on the data; without it the target
    /// flag is left out (the candidate failed before FP32 was measured).
    /// </summary>
    public static string For(CandidateSpec spec, double? minAccuracyPercent = null)
    {
        // A pruned candidate: prune, then the same step as its unpruned twin on the pruned file.
        if (spec.PruneMacs is not null)
            return $"{PruneCommand(spec)} && {For(spec with { ModelPath = PrunedName(spec), PruneMacs = null }, minAccuracyPercent)}";
        var args = new List<string> { "edgeopt" };
        var output = OutputName(spec);
        if (spec.Precision == CandidatePrecision.Fp32)
        {
            args.AddRange(["optimize", spec.ModelPath, "-o", output]);
            return Join(args);
        }
        args.AddRange(["quantize", spec.ModelPath, "-o", output, "--type"]);
        switch (spec.Precision)
        {
            case CandidatePrecision.Fp16:
                args.AddRange(["fp16", "--keep-io-types"]);
                break;
            case CandidatePrecision.Int8Dynamic:
                args.Add("int8-dynamic");
                if (spec.PerChannel) args.Add("--per-channel");
                break;
            case CandidatePrecision.Int4WeightOnly:
                args.Add("int4");
                break;
            default:
                args.Add("int8");
                if (spec.PerChannel) args.Add("--per-channel");
                if (spec.Data is { } data)
                {
                    args.AddRange(["--calib", data.Path, "--samples", data.CalibrationSamples.ToString(CultureInfo.InvariantCulture)]);
                    if (spec.Precision == CandidatePrecision.Mixed)
                    {
                        args.AddRange(["--eval", data.Path]);
                        if (spec.MixedMaxAccuracyDrop is { } drop) args.AddRange(["--max-accuracy-drop", Number(drop)]);
                        else if (minAccuracyPercent is { } min) args.AddRange(["--min-accuracy", Number(min)]);
                        args.AddRange(data.ReadingFlags());
                    }
                    else if (data.Image is { } image)
                    {
                        args.AddRange(ImageFlags.For(image));
                    }
                }
                break;
        }
        return Join(args);
    }

    public static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Join(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    // POSIX shell quoting: plain words stay as they are, anything else goes in single quotes.
    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
