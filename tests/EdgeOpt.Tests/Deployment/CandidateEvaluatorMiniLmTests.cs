using EdgeOpt.Deployment;
using EdgeOpt.Tests.Transformer;

namespace EdgeOpt.Tests.Deployment;

/// <summary>
/// The evaluator on a model it was not developed against: all-MiniLM-L6-v2 (a BERT encoder with three int64 inputs and
/// token-level outputs, no labels), fed real English sentences as an .npz. Quality is fidelity to FP32.
/// </summary>
public class CandidateEvaluatorMiniLmTests
{
    [Fact]
    public void MiniLM_candidates_are_measured_as_fidelity_to_FP32_and_estimated_at_the_sentence_length()
    {
        var data = MiniLm.CalibrationNpz(EnglishSentences.Sentences.Take(12).ToList());
        var model = MiniLm.ModelPath;
        CandidateSpec Spec(CandidatePrecision precision) => new()
        {
            ModelPath = model,
            ModelSha256 = ContentHash.OfFile(model),
            Device = "pixel-7",
            DeviceSha256 = ContentHash.OfDevice("pixel-7"),
            Precision = precision,
            Threads = 2,
            Data = new CandidateData { Path = data, Sha256 = ContentHash.OfData(data), CalibrationSamples = 12 },
            LatencyRuns = 3,
            ToolVersion = CandidateSpec.CurrentToolVersion,
        };

        using var evaluator = new CandidateEvaluator();
        var fp32 = evaluator.Evaluate(Spec(CandidatePrecision.Fp32), null, CancellationToken.None);
        var dynamic = evaluator.Evaluate(Spec(CandidatePrecision.Int8Dynamic), null, CancellationToken.None);
        var int4 = evaluator.Evaluate(Spec(CandidatePrecision.Int4WeightOnly), null, CancellationToken.None);
        var int8 = evaluator.Evaluate(Spec(CandidatePrecision.Int8Static), null, CancellationToken.None);
        foreach (var r in new[] { fp32, dynamic, int4, int8 }) Assert.True(r.Status == CandidateStatus.Evaluated, $"{r.Label}: {r.Reason}");

        // No labels: fidelity only. Token embeddings [1, tokens, 384] are not class scores, so no top-1 agreement either.
        Assert.All(new[] { fp32, dynamic, int4, int8 }, r => Assert.Null(r.MeasuredAccuracy));
        Assert.All(new[] { fp32, dynamic, int4, int8 }, r => Assert.Null(r.MeasuredTop1Agreement));
        Assert.Equal(12, dynamic.EvaluationSamples);
        Assert.True(fp32.MeasuredCosine >= 0.9999, $"fp32 cosine {fp32.MeasuredCosine}");
        Assert.True(dynamic.MeasuredCosine >= 0.95, $"int8-dynamic cosine {dynamic.MeasuredCosine}");
        Assert.True(int4.MeasuredCosine >= 0.90, $"int4 cosine {int4.MeasuredCosine}");
        Assert.True(int8.MeasuredCosine >= 0.90, $"int8 static cosine {int8.MeasuredCosine}");
        // Calibrated and evaluated on the same 12 sentences: the result says so.
        Assert.Contains(int8.Notes, n => n.Contains("overlaps calibration", StringComparison.Ordinal));
        Assert.True(int4.SizeBytes < dynamic.SizeBytes && dynamic.SizeBytes < fp32.SizeBytes, $"int4 {int4.SizeBytes}, int8 {dynamic.SizeBytes}, fp32 {fp32.SizeBytes}");
        // The sequence dim is symbolic: the estimate binds it to the data's sentence length, so it can cost every node.
        Assert.True(fp32.EstimatedLatencyMs > 0 && dynamic.EstimatedLatencyMs > 0);
        Assert.True(dynamic.EstimatedMemoryBytes < fp32.EstimatedMemoryBytes);
        Assert.Contains("--type int4", int4.Command, StringComparison.Ordinal);
        Assert.Contains($"--calib {data}", int8.Command, StringComparison.Ordinal);
    }
}
