using System.Diagnostics;
using EdgeOpt.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Runtime;

// The batched mode: grayscale image classifiers on in-memory labelled images (the demo's fast path).
public static partial class ModelEvaluator
{
    /// <summary>
    /// Measures top-1/top-5 accuracy and latency of an image classifier on labelled grayscale images, in batches that
    /// respect the model's batch dimension: a symbolic one takes <see cref="ClassificationOptions.BatchSize"/> images
    /// per run, a fixed one exactly that many (the last batch is zero-padded and the padding ignored).
    /// The input must be float and shaped <c>[N,1,H,W]</c>, <c>[N,H,W,1]</c>, <c>[N,H,W]</c> or <c>[N,H*W]</c>;
    /// the output must hold one score per class for each image. Runs every image of <paramref name="data"/> through
    /// <paramref name="session"/>; reports images done to <paramref name="progress"/>.
    /// </summary>
    public static ClassificationResult Evaluate(InferenceSession session, LabelledImages data, ClassificationOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(data);
        options ??= ClassificationOptions.Default;
        ThrowHelper.IfInvalid(options.Validate());
        if (data.Count == 0) ThrowHelper.Usage($"{data.Source}: no images to evaluate");

        var inputName = options.InputName ?? session.InputNames[0];
        var outputName = options.OutputName ?? session.OutputNames[0];
        if (!session.InputMetadata.TryGetValue(inputName, out var input))
            ThrowHelper.Usage($"the model has no input '{inputName}' (inputs: {string.Join(", ", session.InputNames)})");
        if (!session.OutputMetadata.ContainsKey(outputName))
            ThrowHelper.Usage($"the model has no output '{outputName}' (outputs: {string.Join(", ", session.OutputNames)})");
        var shape = InputShape(inputName, input, data, options.BatchSize);
        var batchSize = (int)shape[0];

        var buffer = new float[batchSize * data.PixelsPerImage];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(buffer, shape);
        using var runOptions = new RunOptions();
        string[] inputNames = [inputName];
        string[] outputNames = [outputName];
        OrtValue[] inputValues = [inputValue];

        Fill(buffer, data, 0, Math.Min(batchSize, data.Count), options.PixelScale);
        for (var i = 0; i < options.WarmupRuns; i++)
        {
            using var _ = session.Run(runOptions, inputNames, inputValues, outputNames);
        }

        var top1 = 0;
        var top5 = 0;
        var classes = 0;
        var batches = 0;
        var clock = new Stopwatch();
        for (var start = 0; start < data.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(batchSize, data.Count - start);
            Fill(buffer, data, start, count, options.PixelScale);
            clock.Start();
            using var outputs = session.Run(runOptions, inputNames, inputValues, outputNames);
            clock.Stop();
            batches++;
            var scores = Scores(outputs[0], outputName, batchSize);
            classes = scores.Length / batchSize;
            for (var i = 0; i < count; i++)
            {
                var label = data.Label(start + i);
                if (label >= classes)
                    throw new DataFormatException($"{data.Source}: label {label} of image {start + i} is not one of the {classes} classes of output '{outputName}'");
                var rank = Rank(scores.Slice(i * classes, classes), label);
                if (rank == 0) top1++;
                if (rank < 5) top5++;
            }
            progress?.Report(start + count);
        }

        var totalMs = clock.Elapsed.TotalMilliseconds;
        return new ClassificationResult(
            Samples: data.Count,
            Classes: classes,
            Top1: (double)top1 / data.Count,
            Top5: classes > 5 ? (double)top5 / data.Count : null,
            BatchSize: batchSize,
            Batches: batches,
            MeanBatchLatencyMs: totalMs / batches,
            MeanItemLatencyMs: totalMs / data.Count,
            InputName: inputName,
            OutputName: outputName,
            MeasuredOn: HostDescription.Current);
    }

    // The feed shape for one batch; any symbolic image dim takes the data's size.
    private static long[] InputShape(string name, NodeMetadata input, LabelledImages data, int defaultBatch)
    {
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float)
            ThrowHelper.Usage($"input '{name}' is {Describe(input)}; image classification needs a float tensor");
        var dims = input.Dimensions;
        long batch = dims.Length > 0 && dims[0] > 0 ? dims[0] : defaultBatch;
        long[]? shape = dims.Length switch
        {
            4 when Fits(dims[1], 1) && Fits(dims[2], data.Rows) && Fits(dims[3], data.Cols) => [batch, 1, data.Rows, data.Cols],
            4 when Fits(dims[1], data.Rows) && Fits(dims[2], data.Cols) && dims[3] == 1 => [batch, data.Rows, data.Cols, 1],
            3 when Fits(dims[1], data.Rows) && Fits(dims[2], data.Cols) => [batch, data.Rows, data.Cols],
            2 when Fits(dims[1], data.PixelsPerImage) => [batch, data.PixelsPerImage],
            _ => null,
        };
        if (shape is null)
            ThrowHelper.Usage($"input '{name}' is {Describe(input)}, which does not take {data.Rows}x{data.Cols} grayscale images " +
                $"(expected [N,1,{data.Rows},{data.Cols}], [N,{data.Rows},{data.Cols},1], [N,{data.Rows},{data.Cols}] or [N,{data.PixelsPerImage}])");
        return shape;

        static bool Fits(int dim, int size) => dim <= 0 || dim == size;
    }

    private static void Fill(float[] buffer, LabelledImages data, int start, int count, float scale)
    {
        var pixels = data.Pixels.Slice(start * data.PixelsPerImage, count * data.PixelsPerImage);
        for (var i = 0; i < pixels.Length; i++) buffer[i] = pixels[i] * scale;
        buffer.AsSpan(pixels.Length).Clear();
    }

    private static ReadOnlySpan<float> Scores(OrtValue output, string name, int batchSize)
    {
        var info = output.GetTensorTypeAndShape();
        if (info.ElementDataType != TensorElementType.Float)
            ThrowHelper.Usage($"output '{name}' is {info.ElementDataType}; class scores must be float");
        if (info.Shape.Length < 2 || info.Shape[0] != batchSize || info.ElementCount < batchSize)
            ThrowHelper.Usage($"output '{name}' has shape [{string.Join(",", info.Shape)}]; expected [{batchSize}, classes]");
        return output.GetTensorDataAsSpan<float>();
    }

    /// <summary>How many classes outscore the label (ties go to the lower index, like argmax); a NaN score never counts as right.</summary>
    internal static int Rank(ReadOnlySpan<float> scores, int label)
    {
        var target = scores[label];
        if (float.IsNaN(target)) return scores.Length;
        var rank = 0;
        for (var c = 0; c < scores.Length; c++)
            if (scores[c] > target || (c < label && scores[c] == target)) rank++;
        return rank;
    }

    private static string Describe(NodeMetadata meta) => meta.IsTensor
        ? $"{meta.ElementDataType} [{string.Join(",", meta.Dimensions.Select((d, i) => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : meta.SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]"
        : meta.OnnxValueType.ToString();
}
