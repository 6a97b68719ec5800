using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime;

/// <summary>
/// Measures a model on real samples in ONNX Runtime: top-1/top-5 accuracy when labels are known, per-output fidelity
/// (cosine, max error, SQNR, top-1 agreement) against a reference model, and mean latency of both.
/// <code>
/// var result = ModelEvaluator.Evaluate(int8Model, testSet, new EvaluationOptions { Reference = floatModel });
/// </code>
/// Samples stream through one at a time (batch 1), so memory stays flat however large the set is; only running
/// sums are kept, never the outputs. A batched mode for image classifiers on <see cref="LabelledImages"/> takes an
/// ONNX Runtime session and returns a <see cref="ClassificationResult"/> (see ModelEvaluator.Classification.cs).
/// </summary>
public static partial class ModelEvaluator
{
    /// <summary>Runs the first <see cref="EvaluationOptions.Samples"/> samples of <paramref name="data"/>; reports samples done.</summary>
    /// <exception cref="InvalidOptionsException">The options cannot work (<see cref="EvaluationOptions.Validate"/>), or neither labels nor a reference is given.</exception>
    /// <exception cref="UsageException">
    /// Fewer labels than evaluated samples, data that
    /// does not fit a model, outputs that differ between model and reference, or a class-score output that is not <c>[1, C]</c>.
    /// </exception>
    /// <exception cref="DataFormatException">A label is not one of the output's classes.</exception>
    public static EvaluationResult Evaluate(Model model, ISampleSource data, EvaluationOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new EvaluationOptions();
        ThrowHelper.IfInvalid(options.Validate());
        var reference = options.Reference;
        var labels = options.Labels ?? data.Labels;
        if (labels is null && reference is null) ThrowHelper.IfInvalid([EvaluationOptions.NothingToMeasure(data.Description)]);
        var count = SampleCount(data, options.Samples);
        data.CheckFits(model);
        if (reference is not null) data.CheckFits(reference);
        // Labels are read by sample index, so a list covering more than the evaluated samples (a label file for the
        // whole set, --samples taking a prefix) is fine; one shorter than them is not.
        if (labels is not null && labels.Count < count)
            ThrowHelper.Usage($"{labels.Count} labels for {count} evaluated samples of {data.Description}");

        var settings = options.Settings ?? SessionSettings.Default;
        using var session = SessionFactory.Create(model, settings);
        using var referenceSession = reference is null ? null : SessionFactory.Create(reference, settings);
        var outputs = session.OutputNames.ToArray();
        var scoreOutput = ScoreOutput(session, options.OutputName);
        if (referenceSession is not null) CheckSameOutputs(outputs, referenceSession.OutputNames);

        var fidelity = outputs.Select(_ => new FidelityAccumulator()).ToArray();
        var accuracy = new TopK();
        var referenceAccuracy = new TopK();
        var clock = new Stopwatch();
        var referenceClock = new Stopwatch();
        using (var warmup = new Feed(session, data.Read(0)))
        {
            Run(session, warmup, outputs, clock);
            if (referenceSession is not null) Run(referenceSession, warmup, outputs, referenceClock);
            clock.Reset();
            referenceClock.Reset();
        }

        for (var i = 0; i < count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var feed = new Feed(session, data.Read(i));
            var actual = Run(session, feed, outputs, clock);
            var expected = referenceSession is null ? null : Run(referenceSession, feed, outputs, referenceClock);
            if (labels is not null)
            {
                accuracy.Add(ClassScores(actual, scoreOutput), labels[i], i, scoreOutput, data);
                if (expected is not null) referenceAccuracy.Add(ClassScores(expected, scoreOutput), labels[i], i, scoreOutput, data);
            }
            if (expected is not null)
                for (var o = 0; o < outputs.Length; o++) fidelity[o].Add(outputs[o], expected[o], actual[o]);
            progress?.Report(i + 1);
        }

        var hasLabels = labels is not null;
        return new EvaluationResult(
            Samples: count,
            Top1: hasLabels ? accuracy.Top1 : null,
            Top5: hasLabels ? accuracy.Top5 : null,
            ReferenceTop1: hasLabels && reference is not null ? referenceAccuracy.Top1 : null,
            ReferenceTop5: hasLabels && reference is not null ? referenceAccuracy.Top5 : null,
            Fidelity: reference is null ? [] : outputs.Select((name, o) => fidelity[o].Result(name)).ToList(),
            MeanLatencyMs: clock.Elapsed.TotalMilliseconds / count,
            ReferenceMeanLatencyMs: reference is null ? null : referenceClock.Elapsed.TotalMilliseconds / count,
            MeasuredOn: HostDescription.Current.ToString());
    }

    /// <summary>The predicted class (argmax of the class-score output) of each of the first <paramref name="samples"/> samples.</summary>
    internal static int[] Predictions(Model model, ISampleSource data, int? samples, SessionSettings? settings, CancellationToken cancellation)
    {
        var count = SampleCount(data, samples);
        data.CheckFits(model);
        using var session = SessionFactory.Create(model, settings ?? SessionSettings.Default);
        var outputs = session.OutputNames.ToArray();
        var scoreOutput = ScoreOutput(session, null);
        var clock = new Stopwatch();
        var predictions = new int[count];
        for (var i = 0; i < count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var feed = new Feed(session, data.Read(i));
            predictions[i] = ArgMax(ClassScores(Run(session, feed, outputs, clock), scoreOutput));
        }
        return predictions;
    }

    private static int SampleCount(ISampleSource data, int? samples)
    {
        return Math.Min(samples ?? data.Count, data.Count);
    }

    private static (int Index, string Name) ScoreOutput(InferenceSession session, string? name)
    {
        var names = session.OutputNames;
        if (name is null) return (0, names[0]);
        var index = names.ToList().IndexOf(name);
        if (index < 0) ThrowHelper.Usage($"the model has no output '{name}' (outputs: {string.Join(", ", names)})");
        return (index, name);
    }

    private static void CheckSameOutputs(string[] model, IReadOnlyList<string> reference)
    {
        if (model.Order(StringComparer.Ordinal).SequenceEqual(reference.Order(StringComparer.Ordinal), StringComparer.Ordinal)) return;
        ThrowHelper.Usage($"the model's outputs ({string.Join(", ", model)}) differ from the reference's ({string.Join(", ", reference)}); " +
            "fidelity compares outputs by name");
    }

    private static Tensor[] Run(InferenceSession session, Feed feed, string[] outputs, Stopwatch clock)
    {
        using var runOptions = new RunOptions();
        clock.Start();
        using var results = session.Run(runOptions, feed.Names, feed.Values, outputs);
        clock.Stop();
        var tensors = new Tensor[outputs.Length];
        for (var i = 0; i < outputs.Length; i++) tensors[i] = OrtTensors.ToTensor(results[i], outputs[i]);
        return tensors;
    }

    // One sample's scores: [C], [1, C] or [1, C, 1, ...]; any float type (fp16 models without kept I/O types too).
    private static float[] ClassScores(Tensor[] outputs, (int Index, string Name) output)
    {
        var tensor = outputs[output.Index];
        var dims = tensor.Dims;
        var fits = dims.Count switch
        {
            0 => false,
            1 => dims[0] > 0,
            _ => dims[0] == 1 && dims[1] > 0 && dims.Skip(2).All(d => d == 1),
        };
        if (!fits || !tensor.DataType.IsFloatingPoint())
            ThrowHelper.Usage($"output '{output.Name}' is {tensor.DataType.OnnxName()}[{string.Join(",", dims)}]; class scores must be " +
                "a float [1, classes] or [classes] per sample (name the score output if it is not the first)");
        return tensor.ToSingleArray();
    }

    private static int ArgMax(float[] scores)
    {
        var best = 0;
        for (var c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
        return best;
    }

    /// <summary>The sample's inputs as ORT values, in the session's input order; shared by the model and the reference.</summary>
    private sealed class Feed : IDisposable
    {
        public Feed(InferenceSession session, IReadOnlyDictionary<string, Tensor> sample)
        {
            Names = session.InputNames.Where(sample.ContainsKey).ToArray();
            Values = new OrtValue[Names.Length];
            try
            {
                for (var i = 0; i < Names.Length; i++) Values[i] = OrtTensors.ToOrtValue(sample[Names[i]]);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string[] Names { get; }
        public OrtValue[] Values { get; }

        public void Dispose()
        {
            foreach (var value in Values) value?.Dispose();
        }
    }

    /// <summary>Running top-1/top-5 counts.</summary>
    private sealed class TopK
    {
        private int _samples, _top1, _top5, _classes;

        public double Top1 => _samples == 0 ? 0 : (double)_top1 / _samples;
        public double? Top5 => _classes > 5 ? (double)_top5 / _samples : null;

        public void Add(float[] scores, int label, int index, (int Index, string Name) output, ISampleSource data)
        {
            if (label < 0 || label >= scores.Length)
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{data.Description}: label {label} of sample {index} is not one of the {scores.Length} classes of output '{output.Name}'"));
            _classes = scores.Length;
            _samples++;
            var rank = Rank(scores, label);
            if (rank == 0) _top1++;
            if (rank < 5) _top5++;
        }
    }
}
