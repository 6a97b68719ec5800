using EdgeOpt.Quantization.Calibration;

namespace EdgeOpt.Quantization;

/// <summary>Everything <see cref="Quantizer"/> can be told; the same switches as <c>edgeopt quantize</c>.</summary>
public sealed record QuantizerOptions
{
    public QuantizationType Type { get; init; } = QuantizationType.Int8;

    /// <summary>
    /// Int8: how activation ranges are chosen from the calibration data. <see cref="CalibrationMethod.Auto"/> (the
    /// default) picks per tensor the range with the smallest quantization error, in one pass over the data.
    /// </summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Auto;

    /// <summary>
    /// Int8: empirical bias correction: the mean output shift each Conv/Gemm's weight rounding causes, measured on the
    /// calibration data, is subtracted from its bias (one more pass over the data).
    /// </summary>
    public bool BiasCorrection { get; init; }

    /// <summary>
    /// Int8: cross-layer range equalization of Conv → (Relu) → Conv pairs before calibration (exact in float, checked
    /// with ONNX Runtime on calibration samples); helps models whose channels differ widely, e.g. depthwise ones.
    /// </summary>
    public bool Equalize { get; init; }

    /// <summary>Int8 with <see cref="CalibrationMethod.Percentile"/>: the share of values kept, in (0, 100].</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Int8: calibrate on at most this many samples (null: all of them).</summary>
    public int? Samples { get; init; }

    /// <summary>Int8 and Int8Dynamic: one weight scale per output channel (Int8 then needs opset 13, upgraded automatically).</summary>
    public bool PerChannel { get; init; }

    /// <summary>Int8: <see cref="QuantizedPrecision.UInt8"/> (default) or <see cref="QuantizedPrecision.Int8"/> activations.</summary>
    public QuantizedPrecision ActivationType { get; init; } = QuantizedPrecision.UInt8;

    /// <summary>Int8: symmetric activation ranges (Relus are then kept, not folded).</summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>Node names left in float (every type); a name no node has is a usage error.</summary>
    public IReadOnlyCollection<string> ExcludedNodes { get; init; } = [];

    /// <summary>
    /// Operator types left in float (Int8; for Float16 added to the default block list). <c>Gather</c> also keeps
    /// embedding tables float for Int8, Int8Dynamic and Int4, which otherwise quantize them (<see cref="EmbeddingQuantizer"/>).
    /// </summary>
    public IReadOnlyCollection<string> ExcludedOpTypes { get; init; } = [];

    /// <summary>Float16: keep float32 graph inputs and outputs (Casts at the boundary).</summary>
    public bool KeepIoTypes { get; init; }

    /// <summary>Int4: weights per block along K (16 to 256, a power of two; 32, 64 and 128 are usual).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>Int4: symmetric blocks (no zero points stored).</summary>
    public bool SymmetricWeights { get; init; } = true;

    /// <summary>Int8: apply this plan instead of calibrating (it must come from the same model and options).</summary>
    public QuantizationPlan? Plan { get; init; }

    /// <summary>
    /// Int8: activation ranges already calibrated on this model and data with the same method and activation settings
    /// (another candidate of the deploy search); used instead of calibrating again when they cover every tensor the
    /// calibration would measure. Per-channel or not only changes weights, so one calibration serves both.
    /// </summary>
    internal CalibrationResult? ReusedCalibration { get; init; }

    /// <summary>Run the graph optimizer first (BatchNormalization folding etc.); Int8 needs folded BatchNormalization.</summary>
    public bool Optimize { get; init; } = true;

    /// <summary>
    /// Every problem with these options, alone and together with what goes with the run (<paramref name="workflow"/>:
    /// the data given, an accuracy search, an error report), all at once; empty when they can work. The one home of
    /// these rules: <see cref="Quantizer"/>, <see cref="AccuracySearch"/>, <see cref="QuantizationDebugger"/> and
    /// <c>edgeopt quantize</c> all check through it.
    /// </summary>
    public IReadOnlyList<OptionProblem> Validate(QuantizationWorkflow? workflow = null)
    {
        workflow ??= new QuantizationWorkflow();
        var problems = new List<OptionProblem>();
        var int8 = Type == QuantizationType.Int8;
        var type = $"{nameof(QuantizationType)}.{Type}";

        if (!Enum.IsDefined(Type))
            problems.Add(new($"{{0}} {(int)Type}: expected {{1}}, {{2}}, {{3}} or {{4}}", Name(nameof(Type)),
                TypeName(QuantizationType.Int8), TypeName(QuantizationType.Int8Dynamic), TypeName(QuantizationType.Float16), TypeName(QuantizationType.Int4)));
        if (!Enum.IsDefined(Method))
            problems.Add(new($"{{0}} {(int)Method}: expected {{1}}, {{2}}, {{3}} or {{4}}", Name(nameof(Method)),
                $"{nameof(CalibrationMethod)}.{CalibrationMethod.Auto}", $"{nameof(CalibrationMethod)}.{CalibrationMethod.MinMax}",
                $"{nameof(CalibrationMethod)}.{CalibrationMethod.Percentile}", $"{nameof(CalibrationMethod)}.{CalibrationMethod.Entropy}"));
        if (ActivationType is not (QuantizedPrecision.UInt8 or QuantizedPrecision.Int8))
            problems.Add(new($"{{0}} {ActivationType}: expected {{1}} or {{2}}", Name(nameof(ActivationType)),
                $"{nameof(QuantizedPrecision)}.{QuantizedPrecision.UInt8}", $"{nameof(QuantizedPrecision)}.{QuantizedPrecision.Int8}"));
        if (Samples is <= 0) problems.Add(new($"{{0}} {Samples}: expected a positive number", Name(nameof(Samples))));
        if (CalibrationOptions.PercentileProblem(Percentile, Name(nameof(Percentile))) is { } percentile) problems.Add(percentile);
        if (BlockSize is < 16 or > 256 || (BlockSize & (BlockSize - 1)) != 0)
            problems.Add(new($"{{0}} {BlockSize}: expected a power of two from 16 to 256 (32, 64 or 128 are usual)", Name(nameof(BlockSize))));

        // Int8 static only: plans, equalization, bias correction, calibration data, the accuracy search, the error report.
        if (!int8 && (Plan is not null || workflow.SavesPlan))
            problems.Add(new("{0}/{1} describe int8 static quantization; not available for {2} {3}", Name(nameof(Plan)), Workflow(nameof(workflow.SavesPlan)), Name(nameof(Type)), type));
        if (!int8 && (BiasCorrection || Equalize))
            problems.Add(new("{0} and {1} adjust int8 static quantization; not available for {2} {3}", Name(nameof(BiasCorrection)), Name(nameof(Equalize)), Name(nameof(Type)), type));
        if (int8 && (BiasCorrection || Equalize) && !workflow.CalibrationData)
            problems.Add(new("{0} runs on calibration data: give {1}", Name(Equalize ? nameof(Equalize) : nameof(BiasCorrection)), Workflow(nameof(workflow.CalibrationData))));
        if (!int8 && workflow.CalibrationData)
            problems.Add(new("{0} is for int8 static quantization; {1} {2} needs no calibration", Workflow(nameof(workflow.CalibrationData)), Name(nameof(Type)), type));
        if (int8 && !workflow.CalibrationData && Plan is null)
            problems.Add(new("{0} {1} needs calibration data: {2} (random data only for a non-representative smoke test), or {3}",
                Name(nameof(Type)), type, Workflow(nameof(workflow.CalibrationData)), Name(nameof(Plan))));

        var min = Target(nameof(AccuracyTarget.MinAccuracy));
        var drop = Target(nameof(AccuracyTarget.MaxAccuracyDrop));
        if (workflow.AccuracyTarget is { } target)
        {
            problems.AddRange(target.Validate());
            if (!workflow.EvaluationData)
                problems.Add(new("an accuracy target ({0}/{1}) needs {2} to measure accuracy on", min, drop, Workflow(nameof(workflow.EvaluationData))));
            if (!int8)
                problems.Add(new("{0}/{1}: the accuracy search needs int8 static quantization calibrated on data (it falls back int8 nodes to float), not {3} ({2})",
                    min, drop, Name(nameof(Type)), type));
            else if (Plan is not null)
                problems.Add(new("{0}/{1}: the accuracy search re-plans from calibrated ranges, not one made from a fixed plan: give {2} instead of {3}",
                    min, drop, Workflow(nameof(workflow.CalibrationData)), Name(nameof(Plan))));
        }
        if (workflow.AccuracySearch is { } search)
        {
            problems.AddRange(search.Validate());
            if (search.TimeBudget is not null && workflow.AccuracyTarget is null)
                problems.Add(new("{0} limits the accuracy search: give {1} or {2} too", $"{nameof(AccuracySearchOptions)}.{nameof(search.TimeBudget)}", min, drop));
        }

        if (workflow.ErrorReport && !int8)
            problems.Add(new("{0} measures int8 static quantization error; not available for {1} {2}", Workflow(nameof(workflow.ErrorReport)), Name(nameof(Type)), type));
        if (workflow.ErrorReport && !workflow.CalibrationData && !workflow.EvaluationData)
            problems.Add(new("{0} needs data to run: give {1} or {2}", Workflow(nameof(workflow.ErrorReport)),
                Workflow(nameof(workflow.CalibrationData)), Workflow(nameof(workflow.EvaluationData))));
        return problems;

        static string Name(string member) => $"{nameof(QuantizerOptions)}.{member}";
        static string Workflow(string member) => $"{nameof(QuantizationWorkflow)}.{member}";
        static string Target(string member) => $"{nameof(Quantization.AccuracyTarget)}.{member}";
        static string TypeName(QuantizationType t) => $"{nameof(QuantizationType)}.{t}";
    }
}
