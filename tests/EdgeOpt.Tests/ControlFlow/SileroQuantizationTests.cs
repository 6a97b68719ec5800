using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary>
/// Quantizing Silero VAD, whose weights all live inside If branches (Conv and LSTM), measured the way it is used:
/// 512-sample chunks of espeak-ng speech and silence with the recurrent state carried, original against result.
/// </summary>
public sealed class SileroQuantizationTests(ITestOutputHelper output)
{
    private static readonly Lazy<float[]> LegacyReference = new(() => SileroVad.SpeechProbabilities(Fixtures.SileroVadLegacy, SpeechAudio.SpeechAndSilence));
    private static readonly Lazy<float[]> V5Reference = new(() => SileroVad.SpeechProbabilities(Fixtures.SileroVadV5, SpeechAudio.SpeechAndSilence));

    [Fact]
    public void Legacy_dynamic_int8_reaches_every_conv_and_lstm_in_the_branches()
    {
        using var model = Model.Load(Fixtures.SileroVadLegacy);

        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8Dynamic, PerChannel = true }).Quantize(model);
        float[] probabilities = SileroVad.SpeechProbabilities(result.Model.ToBytes(), SpeechAudio.SpeechAndSilence);

        var ops = result.Model.Graph.AllNodes().GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        double meanDiff = MeanAbsDifference(LegacyReference.Value, probabilities);
        output.WriteLine($"size {result.SizeRatio:F3}x, mean |dp| {meanDiff:F4}, max |dp| {MaxAbsDifference(LegacyReference.Value, probabilities):F4}");
        Assert.Equal(44, result.QuantizedNodes); // 36 Conv + 8 LSTM, all inside If branches
        Assert.Equal(8, ops["DynamicQuantizeLSTM"]);
        Assert.Equal(36, ops["ConvInteger"]);
        Assert.False(ops.ContainsKey("Conv") || ops.ContainsKey("LSTM"));
        Assert.Empty(result.ExcludedNodes);
        Assert.True(result.SizeRatio <= 0.35, $"size ratio {result.SizeRatio:F3}");
        Assert.True(meanDiff <= 0.02, $"mean abs probability difference {meanDiff:F4}");
    }

    [Fact]
    public void Legacy_float16_converts_the_branches_and_keeps_the_probabilities()
    {
        using var model = Model.Load(Fixtures.SileroVadLegacy);

        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Float16, KeepIoTypes = true }).Quantize(model);
        float[] probabilities = SileroVad.SpeechProbabilities(result.Model.ToBytes(), SpeechAudio.SpeechAndSilence);

        double maxDiff = MaxAbsDifference(LegacyReference.Value, probabilities);
        output.WriteLine($"size {result.SizeRatio:F3}x, max |dp| {maxDiff:F5}; left in float: {string.Join("; ", result.ExcludedNodes.Select(e => $"{e.Node} ({e.OpType}): {e.Reason}"))}");
        Assert.DoesNotContain(result.Model.Graph.AllNodes(), n => n.OpType is "Conv" or "LSTM" && n.Inputs[1]!.ElementType != DataType.Float16);
        Assert.All(result.ExcludedNodes, e => Assert.False(string.IsNullOrEmpty(e.Reason)));
        Assert.True(result.SizeRatio <= 0.52, $"size ratio {result.SizeRatio:F3}");
        Assert.True(maxDiff <= 0.01, $"max abs probability difference {maxDiff:F5}");
    }

    [Fact]
    public void V5_dynamic_int8_and_float16_hold_on_a_model_not_developed_against()
    {
        using var model = Model.Load(Fixtures.SileroVadV5);

        using var int8 = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8Dynamic, PerChannel = true }).Quantize(model);
        using var fp16 = new Quantizer(new QuantizerOptions { Type = QuantizationType.Float16, KeepIoTypes = true }).Quantize(model);
        float[] int8Probabilities = SileroVad.SpeechProbabilities(int8.Model.ToBytes(), SpeechAudio.SpeechAndSilence);
        float[] fp16Probabilities = SileroVad.SpeechProbabilities(fp16.Model.ToBytes(), SpeechAudio.SpeechAndSilence);

        double int8Mean = MeanAbsDifference(V5Reference.Value, int8Probabilities);
        double fp16Max = MaxAbsDifference(V5Reference.Value, fp16Probabilities);
        output.WriteLine($"int8-dynamic: size {int8.SizeRatio:F3}x, {int8.QuantizedNodes} nodes, mean |dp| {int8Mean:F4}; left: {string.Join("; ", int8.ExcludedNodes.Select(e => $"{e.Node}: {e.Reason}"))}");
        output.WriteLine($"fp16: size {fp16.SizeRatio:F3}x, max |dp| {fp16Max:F5}; left: {string.Join("; ", fp16.ExcludedNodes.Select(e => $"{e.Node}: {e.Reason}"))}");
        Assert.True(V5Reference.Value.Max() > 0.8f, "the v5 reference never detects speech");
        Assert.True(int8.SizeRatio <= 0.35, $"int8 size ratio {int8.SizeRatio:F3}");
        Assert.True(int8Mean <= 0.02, $"int8 mean abs probability difference {int8Mean:F4}");
        Assert.True(fp16.SizeRatio <= 0.52, $"fp16 size ratio {fp16.SizeRatio:F3}");
        Assert.True(fp16Max <= 0.01, $"fp16 max abs probability difference {fp16Max:F5}");
    }

    internal static double MeanAbsDifference(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(actual, p => Assert.True(float.IsFinite(p), "a probability is not finite"));
        return expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Average();
    }

    internal static double MaxAbsDifference(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(actual, p => Assert.True(float.IsFinite(p), "a probability is not finite"));
        return expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
    }
}
