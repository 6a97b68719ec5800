using System.Buffers.Binary;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx.Tflite;
using EdgeOpt.Onnx.Tflite.Schema;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Optimization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// TensorFlow Lite Micro's example models (tests/fixtures/tflite-micro) converted to ONNX, run in ONNX Runtime and
/// compared with Google's own TFLite interpreter (<see cref="TfliteReference"/>) on the same real-ish inputs.
/// Tolerances, per output type: float outputs within 1e-4 relative or 1e-5 absolute (two float32 kernels summing in
/// different orders); quantized outputs within one quantization step (|Δq| ≤ 1: ONNX Runtime's QDQ kernels and
/// TFLite's integer kernels round the same real values, at most one step apart), except where a test says why not.
/// Classifiers must also agree on the top-1 class.
/// </summary>
public sealed class TfliteMicroModelTests(ITestOutputHelper output)
{
    private const double FloatRelative = 1e-4;
    private const double FloatAbsolute = 1e-5;
    private const int QuantizedSteps = 1;

    private static string Model(string relative) => Path.Combine(Fixtures.TfliteMicro, relative);

    private static readonly string HelloWorldFloat = Model("examples/hello_world/models/hello_world_float.tflite");
    private static readonly string HelloWorldInt8 = Model("examples/hello_world/models/hello_world_int8.tflite");
    private static readonly string MicroSpeech = Model("examples/micro_speech/models/micro_speech_quantized.tflite");
    private static readonly string AudioPreprocessor = Model("examples/micro_speech/models/audio_preprocessor_int8.tflite");
    private static readonly string PersonDetect = Model("models/person_detect.tflite");
    private static readonly string KeywordScrambled = Model("models/keyword_scrambled_8bit.tflite");
    private static readonly string MnistLstm = Model("examples/mnist_lstm/trained_lstm.tflite");
    private static readonly string MnistLstmInt8 = Model("examples/mnist_lstm/trained_lstm_int8.tflite");
    private static readonly string Dtln = Model("examples/dtln/dtln_noise_suppression.tflite");

    // ---- hello_world: a sine regressor ----------------------------------------------------------------------------

    /// <summary>x from 0 to 2π, the range the model was trained on (one reference run per value: LiteRT.js runs batch 1 only).</summary>
    private static readonly float[] SineInputs = [.. Enumerable.Range(0, 7).Select(k => (float)(k * 2 * Math.PI / 6))];

    [Fact]
    public void Float_hello_world_matches_tflite_from_0_to_2_pi()
    {
        var expected = SineInputs.SelectMany(x => Reference<float>(HelloWorldFloat, [1, 1], new[] { x })).ToArray();

        var actual = RunOnnx<float>(HelloWorldFloat, [SineInputs.Length, 1], SineInputs);

        AssertFloatsClose(expected, actual, "hello_world_float");
        // Not two runtimes agreeing on noise: the model does compute a sine.
        Assert.All(SineInputs.Zip(actual), p => Assert.True(Math.Abs(p.Second - Math.Sin(p.First)) < 0.2, $"sin({p.First:F2}) came out {p.Second:F3}"));
    }

    [Fact]
    public void Int8_hello_world_matches_tflite_within_one_step_from_0_to_2_pi()
    {
        var inputs = Quantize(SineInputs, InputQuantization(HelloWorldInt8));
        var expected = inputs.SelectMany(q => Reference<sbyte>(HelloWorldInt8, [1, 1], new[] { q })).ToArray();

        var actual = RunOnnx<sbyte>(HelloWorldInt8, [inputs.Length, 1], inputs);

        AssertQuantizedClose(expected, actual, QuantizedSteps, "hello_world_int8");
    }

    // ---- micro_speech: 4-word keyword spotter -----------------------------------------------------------------------

    [Fact]
    public void Micro_speech_matches_tflite_within_one_step_and_picks_the_same_word()
    {
        var input = Quantize(Spectrogram(seed: 7), InputQuantization(MicroSpeech));

        var expected = Reference<sbyte>(MicroSpeech, [1, 1960], input);
        var actual = RunOnnx<sbyte>(MicroSpeech, [1, 1960], input);

        AssertQuantizedClose(expected, actual, QuantizedSteps, "micro_speech_quantized");
        Assert.Equal(ArgMax(expected), ArgMax(actual));
    }

    /// <summary>
    /// A spectrogram-like feature map: 49 frames × 40 channels in the model's feature range (its input scale spans
    /// 0..26): a low noise floor, and in the middle frames a voiced burst whose energy sits in the low channels with
    /// harmonics above, plus seeded jitter.
    /// </summary>
    private static float[] Spectrogram(int seed)
    {
        var random = new Random(seed);
        var features = new float[49 * 40];
        for (var frame = 0; frame < 49; frame++)
        {
            var envelope = Math.Exp(-Math.Pow((frame - 24) / 8.0, 2));
            for (var channel = 0; channel < 40; channel++)
            {
                var formants = Math.Exp(-Math.Pow((channel - 8) / 4.0, 2)) + (0.6 * Math.Exp(-Math.Pow((channel - 22) / 5.0, 2)));
                features[(frame * 40) + channel] = (float)(3 + (18 * envelope * formants) + (2 * random.NextDouble()));
            }
        }
        return features;
    }

    // ---- person_detect: MobileNet v1 person / no person -------------------------------------------------------------

    [Fact]
    public void Person_detect_matches_tflite_within_one_step_on_a_photo_of_a_person()
    {
        var input = Quantize(AstronautGray96(), InputQuantization(PersonDetect));

        // TFLite's interpreter refuses the file as it is: its per-channel biases carry the filters' quantized_dimension
        // (3) on rank-1 tensors, which TFLite Micro ignores and the converter reads as 0. The reference gets that fix.
        using var temp = new TempDir();
        var repaired = temp.File("person_detect.tflite");
        File.WriteAllBytes(repaired, WithRank1QuantizationAxesAtZero(File.ReadAllBytes(PersonDetect)));

        var expected = Reference<sbyte>(repaired, [1, 96, 96, 1], input);
        var actual = RunOnnx<sbyte>(PersonDetect, [1, 96, 96, 1], input);

        AssertQuantizedClose(expected, actual, QuantizedSteps, "person_detect");
        Assert.Equal(ArgMax(expected), ArgMax(actual));
    }

    /// <summary>skimage's astronaut photo (a portrait) as 96×96 grayscale in MobileNet's [-1, 1], row-major NHWC.</summary>
    private static float[] AstronautGray96()
    {
        var chw = NaturalImages.LoadRgbChw(Path.Combine(NaturalImages.Folder, "astronaut.png"), 96);
        var plane = 96 * 96;
        var gray = new float[plane];
        for (var i = 0; i < plane; i++)
        {
            var luma = (0.299f * chw[i]) + (0.587f * chw[plane + i]) + (0.114f * chw[(2 * plane) + i]);
            gray[i] = (luma / 127.5f) - 1;
        }
        return gray;
    }

    // ---- mnist_lstm: a 28-step LSTM (cell_clip 10) over image rows --------------------------------------------------

    private const int MnistImages = 3;

    [Fact]
    public void Float_mnist_lstm_with_cell_clip_matches_tflite_on_fashion_mnist()
    {
        foreach (var (index, image) in FashionMnist(MnistImages))
        {
            var expected = Reference<float>(MnistLstm, [1, 28, 28], image);
            var actual = RunOnnx<float>(MnistLstm, [1, 28, 28], image);

            AssertFloatsClose(expected, actual, $"trained_lstm, test image {index}");
            Assert.Equal(ArgMax(expected), ArgMax(actual));
        }
    }

    [Fact]
    public void Float_mnist_lstm_without_its_cell_clip_stays_one_onnx_lstm_and_matches_tflite()
    {
        // The same model with cell_clip set to 0 (no clip): the converter then keeps one ONNX LSTM node, and TFLite
        // runs the patched file as the reference.
        using var temp = new TempDir();
        var unclipped = temp.File("trained_lstm_unclipped.tflite");
        File.WriteAllBytes(unclipped, WithoutCellClip(File.ReadAllBytes(MnistLstm)));
        using (var converted = TfliteConverter.Convert(unclipped))
            Assert.Single(converted.Graph.Nodes, n => n.OpType == "LSTM");
        using (var clipped = TfliteConverter.Convert(MnistLstm))
            Assert.DoesNotContain(clipped.Graph.Nodes, n => n.OpType == "LSTM");

        foreach (var (index, image) in FashionMnist(MnistImages))
        {
            var expected = Reference<float>(unclipped, [1, 28, 28], image);
            var actual = RunOnnx<float>(unclipped, [1, 28, 28], image);

            AssertFloatsClose(expected, actual, $"trained_lstm without cell_clip, test image {index}");
        }
    }

    [Fact]
    public void Int8_mnist_lstm_matches_tflite_s_integer_kernel_within_its_measured_bound()
    {
        var quantization = InputQuantization(MnistLstmInt8);
        using var onnx = new ConvertedModel(MnistLstmInt8);
        var identical = 0;
        foreach (var (index, image) in FashionMnist(Int8LstmImages))
        {
            var input = Quantize(image, quantization);
            var expected = Reference<sbyte>(MnistLstmInt8, [1, 28, 28], input);
            var actual = onnx.Run<sbyte>([1, 28, 28], input);

            AssertQuantizedClose(expected, actual, Int8LstmSteps, $"trained_lstm_int8, test image {index}");
            Assert.Equal(ArgMax(expected), ArgMax(actual));
            if (expected.SequenceEqual(actual)) identical++;
        }
        // Most images come out identical; the rest are near-ties between two classes (see Int8LstmSteps).
        output.WriteLine($"{identical} of {Int8LstmImages} outputs identical");
        Assert.True(identical >= Int8LstmImages * 2 / 3, $"only {identical} of {Int8LstmImages} outputs are identical to TFLite's");
    }

    /// <summary>Enough images to include the worst one measured (test image 31).</summary>
    private const int Int8LstmImages = 32;

    /// <summary>
    /// TFLite runs an int8 LSTM with its integer kernel: gate pre-activations in 16-bit fixed point (Q3.12, so ±8
    /// saturates), fixed-point sigmoid and tanh, the cell state in int16 and h in int8, each matmul requantized. The
    /// converted graph dequantizes the weights and computes the gates in float, rounding only the states (a QDQ pair
    /// per step, so h and c round and saturate as TFLite's do) and the outputs. Over 28 steps an h value that lands
    /// on the other side of a rounding boundary moves a logit by a step of its int8 scale (0.17), and the softmax
    /// output (steps of 1/256) amplifies that near a tie between two classes. Measured on the first 32 Fashion-MNIST
    /// test images: 24 identical, 7 between 1 and 9 steps apart, and image 31, a near-tie (class 0 at 0.61 against
    /// 0.36), 21 steps; the class never changes.
    /// </summary>
    private const int Int8LstmSteps = 24;

    /// <summary>The first <paramref name="count"/> Fashion-MNIST test images, pixels scaled to 0..1 as the model was trained.</summary>
    private static IEnumerable<(int Index, float[] Image)> FashionMnist(int count)
    {
        var (pixels, _, rows, cols) = IdxDataset.LoadImages(Path.Combine(Fixtures.FashionMnist, "t10k-images-idx3-ubyte.gz"));
        var size = rows * cols;
        for (var i = 0; i < count; i++)
            yield return (i, pixels.AsSpan(i * size, size).ToArray().Select(p => p / 255f).ToArray());
    }

    // ---- DTLN: int8 noise suppression (two stacked LSTMs, one frame) -------------------------------------------------

    [Fact]
    public void Dtln_masks_for_noisy_voiced_frames_match_tflite_s_integer_kernel_within_their_measured_bound()
    {
        var quantization = InputQuantization(Dtln);
        using var onnx = new ConvertedModel(Dtln);
        for (var seed = 0; seed < 5; seed++)
        {
            var input = Quantize(NoisyFrameMagnitudes(seed), quantization);

            var expected = Reference<sbyte>(Dtln, [1, 1, 257], input);
            var actual = onnx.Run<sbyte>([1, 1, 257], input);

            AssertQuantizedClose(expected, actual, DtlnSteps, $"dtln_noise_suppression, noise seed {seed}");
        }
    }

    /// <summary>
    /// Two int8 LSTMs of one step each, then a 128 → 257 dense layer and a sigmoid: the integer kernel's fixed-point
    /// gates against float ones (see <see cref="Int8LstmSteps"/>) leave a few h values one int8 step apart, which the
    /// dense layer spreads over the mask. Measured over noise seeds 0–19: at most 3 steps (of 1/256), in 9 to 67 of
    /// the 257 bins.
    /// </summary>
    private const int DtlnSteps = 3;

    /// <summary>
    /// |rFFT| (257 bins) of one 512-sample frame at 16 kHz, Hann-windowed: a voiced sound (150 Hz and its harmonics,
    /// falling 6 dB per octave) in seeded white noise — what DTLN's first stage takes as input.
    /// </summary>
    private static float[] NoisyFrameMagnitudes(int seed)
    {
        const int N = 512;
        var random = new Random(seed);
        var frame = new double[N];
        for (var n = 0; n < N; n++)
        {
            var t = n / 16000.0;
            var voiced = Enumerable.Range(1, 20).Sum(k => 0.08 / k * Math.Sin(2 * Math.PI * 150 * k * t));
            var window = 0.5 - (0.5 * Math.Cos(2 * Math.PI * n / N));
            frame[n] = window * (voiced + (0.02 * ((2 * random.NextDouble()) - 1)));
        }
        var magnitudes = new float[(N / 2) + 1];
        for (var k = 0; k < magnitudes.Length; k++)
        {
            double re = 0, im = 0;
            for (var n = 0; n < N; n++)
            {
                var angle = -2 * Math.PI * k * n / N;
                re += frame[n] * Math.Cos(angle);
                im += frame[n] * Math.Sin(angle);
            }
            magnitudes[k] = (float)Math.Sqrt((re * re) + (im * im));
        }
        return magnitudes;
    }

    // ---- every model ----------------------------------------------------------------------------------------------

    public static TheoryData<string> ConvertibleModels()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Fixtures.TfliteMicro, "*.tflite", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(Fixtures.TfliteMicro, file).Replace('\\', '/');
            if (file != AudioPreprocessor) data.Add(relative);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ConvertibleModels))]
    public void Every_tflite_micro_model_converts_and_runs_in_onnx_runtime(string relative)
    {
        var path = Model(relative);
        using var model = TfliteConverter.Convert(path);
        using var session = SessionFactory.Create(model, new SessionSettings { IntraOpThreads = 1 });
        // int32 inputs are computed shapes (TRANSPOSE_CONV's output_shape) or int32 data in the seanet suite: their
        // meaningful values come from that suite's CSVs, so those models are only loaded (ONNX Runtime checks the graph).
        if (session.InputMetadata.Values.Any(m => m.ElementType == typeof(int))) return;
        var random = new Random(11);
        var inputs = session.InputMetadata.Select(p => SeededInput(p.Key, p.Value, random)).ToList();

        using var results = session.Run(inputs);

        Assert.Equal(model.Graph.Outputs.Count, results.Count);
        foreach (var result in results)
            if (result.Value is Tensor<float> floats)
                Assert.All(floats, v => Assert.True(float.IsFinite(v), $"{result.Name} holds {v}"));
    }

    /// <summary>Values across the input type's range, dynamic dimensions at 1.</summary>
    private static NamedOnnxValue SeededInput(string name, NodeMetadata metadata, Random random)
    {
        var shape = metadata.Dimensions.Select(d => d < 0 ? 1 : d).ToArray();
        var count = shape.Aggregate(1, (a, b) => a * b);
        if (metadata.ElementType == typeof(float))
            return NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray(), shape));
        if (metadata.ElementType == typeof(sbyte))
            return NamedOnnxValue.CreateFromTensor(name, new DenseTensor<sbyte>(Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-128, 128)).ToArray(), shape));
        if (metadata.ElementType == typeof(short))
            return NamedOnnxValue.CreateFromTensor(name, new DenseTensor<short>(Enumerable.Range(0, count).Select(_ => (short)random.Next(-4096, 4096)).ToArray(), shape));
        throw new InvalidOperationException($"input {name} has element type {metadata.ElementType.Name}, which this test does not feed");
    }

    [Fact]
    public void Audio_preprocessor_is_refused_naming_its_signal_operator()
    {
        var ex = Assert.Throws<UnsupportedOperatorException>(() => TfliteConverter.Convert(AudioPreprocessor));

        Assert.Contains("SignalWindow", ex.Message, StringComparison.Ordinal);
        Assert.Contains("operator 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyword_model_with_svdf_layers_converts_to_plain_onnx_operators()
    {
        using var model = TfliteConverter.Convert(KeywordScrambled);

        // Seven SVDF layers, each one Gemm for its feature weights (the state buffer is zero on a fresh call and vanishes), and five fully connected ones.
        Assert.Equal(7 + 5, model.Graph.Nodes.Count(n => n.OpType == "Gemm"));
        Assert.All(model.Graph.Nodes, n => Assert.Equal("", n.Domain));
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /// <summary>The scale and zero point of the model's (only) input, read from the .tflite file.</summary>
    private static (float Scale, long ZeroPoint) InputQuantization(string path)
    {
        var tflite = TfliteReader.Read(File.ReadAllBytes(path), Path.GetFileName(path));
        var graph = tflite.Subgraphs[0];
        var q = graph.Tensors[graph.Inputs[0]].Quantization ?? throw new InvalidOperationException($"{path}: the input is not quantized");
        return (q.Scale[0], q.ZeroPoint[0]);
    }

    /// <summary>TFLite's QUANTIZE: round half away from zero, add the zero point, saturate to int8.</summary>
    private static sbyte[] Quantize(IEnumerable<float> values, (float Scale, long ZeroPoint) q) =>
        [.. values.Select(v => (sbyte)Math.Clamp(Math.Round(v / q.Scale, MidpointRounding.AwayFromZero) + q.ZeroPoint, sbyte.MinValue, sbyte.MaxValue))];

    private static T[] Reference<T>(string path, int[] shape, T[] input) where T : unmanaged
    {
        var outputs = TfliteReference.Run(path, (shape, input));
        return Assert.IsType<T[]>(Assert.Single(outputs).Data);
    }

    /// <summary>Converts the model, runs it in ONNX Runtime (one thread) on one input, returns its only output.</summary>
    private static T[] RunOnnx<T>(string path, int[] shape, T[] input) where T : unmanaged
    {
        using var onnx = new ConvertedModel(path);
        return onnx.Run(shape, input);
    }

    /// <summary>A .tflite file converted once and opened in ONNX Runtime (one thread), for several inputs.</summary>
    private sealed class ConvertedModel : IDisposable
    {
        private readonly InferenceSession _session;

        public ConvertedModel(string path)
        {
            using var model = TfliteConverter.Convert(path);
            _session = SessionFactory.Create(model, new SessionSettings { IntraOpThreads = 1 });
        }

        /// <summary>The only output for one input.</summary>
        public T[] Run<T>(int[] shape, T[] input) where T : unmanaged
        {
            var name = _session.InputMetadata.Keys.Single();
            using var results = _session.Run([NamedOnnxValue.CreateFromTensor(name, new DenseTensor<T>(input, shape))]);
            return [.. Assert.Single(results).AsTensor<T>()];
        }

        public void Dispose() => _session.Dispose();
    }

    private void AssertFloatsClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxAbs = 0, maxRel = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs((double)expected[i] - actual[i]);
            Assert.False(double.IsNaN(difference), $"{what}: output {i} is NaN");
            maxAbs = Math.Max(maxAbs, difference);
            if (expected[i] != 0) maxRel = Math.Max(maxRel, difference / Math.Abs(expected[i]));
            Assert.True(difference <= Math.Max(FloatAbsolute, FloatRelative * Math.Abs(expected[i])),
                $"{what}: output {i} is {actual[i]:G9}, TFLite says {expected[i]:G9}");
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |Δ| {maxAbs:G3}, max relative {maxRel:G3} over {expected.Length} values"));
    }

    private void AssertQuantizedClose(sbyte[] expected, sbyte[] actual, int steps, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var differences = expected.Zip(actual, (e, a) => Math.Abs(e - a)).ToArray();
        output.WriteLine($"{what}: max |Δq| {differences.Max()}, {differences.Count(d => d > 0)} of {differences.Length} values differ" +
            (expected.Length <= 16 ? $" (TFLite [{string.Join(",", expected)}], ONNX [{string.Join(",", actual)}])" : ""));
        for (var i = 0; i < expected.Length; i++)
            Assert.True(differences[i] <= steps, $"{what}: output {i} is {actual[i]}, TFLite says {expected[i]} (more than {steps} step(s) apart)");
    }

    private static int ArgMax<T>(T[] values) where T : IComparable<T>
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i].CompareTo(values[best]) > 0) best = i;
        return best;
    }

    /// <summary>
    /// The .tflite bytes with the first operator's cell_clip set to 0 (schema.fbs: Model.subgraphs is field 2,
    /// SubGraph.operators field 3, Operator.builtin_options field 4, UnidirectionalSequenceLSTMOptions.cell_clip field 1).
    /// </summary>
    private static byte[] WithoutCellClip(byte[] bytes)
    {
        var file = new FlatBuffer((byte[])bytes.Clone());
        var subgraph = file.Tables(file.Root, 2)[0];
        var options = file.Table(file.Tables(subgraph, 3)[0], 4);
        var clip = file.Field(options, 1);
        Assert.True(clip != 0, "the LSTM's options carry no cell_clip field");
        Assert.Equal(10f, BinaryPrimitives.ReadSingleLittleEndian(file.Bytes.AsSpan(options + clip)));
        BinaryPrimitives.WriteSingleLittleEndian(file.Bytes.AsSpan(options + clip), 0f);
        return file.Bytes;
    }

    /// <summary>
    /// The .tflite bytes with every rank-1 tensor's quantized_dimension set to 0 (Tensor.shape is field 0,
    /// Tensor.quantization field 4, QuantizationParameters.quantized_dimension field 6).
    /// </summary>
    private static byte[] WithRank1QuantizationAxesAtZero(byte[] bytes)
    {
        var file = new FlatBuffer((byte[])bytes.Clone());
        var patched = 0;
        foreach (var subgraph in file.Tables(file.Root, 2))
            foreach (var tensor in file.Tables(subgraph, 0))
            {
                var shape = file.Vector(tensor, 0);
                var quantization = file.Table(tensor, 4);
                if (shape == 0 || quantization == 0 || BinaryPrimitives.ReadInt32LittleEndian(file.Bytes.AsSpan(shape)) != 1) continue;
                var axis = file.Field(quantization, 6);
                if (axis == 0 || BinaryPrimitives.ReadInt32LittleEndian(file.Bytes.AsSpan(quantization + axis)) == 0) continue;
                BinaryPrimitives.WriteInt32LittleEndian(file.Bytes.AsSpan(quantization + axis), 0);
                patched++;
            }
        Assert.True(patched > 0, "no rank-1 tensor has a non-zero quantized_dimension");
        return file.Bytes;
    }

    /// <summary>Just enough FlatBuffers reading to find a field's bytes in place (offsets into <see cref="Bytes"/>; 0 for absent).</summary>
    private sealed class FlatBuffer(byte[] bytes)
    {
        public byte[] Bytes { get; } = bytes;

        public int Root => U32(0);

        private int U32(int at) => (int)BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(at));

        /// <summary>The offset of field <paramref name="index"/> from its table's start, 0 when absent.</summary>
        public int Field(int table, int index)
        {
            var vtable = table - BinaryPrimitives.ReadInt32LittleEndian(Bytes.AsSpan(table));
            var size = BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan(vtable));
            var slot = 4 + (2 * index);
            return slot < size ? BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan(vtable + slot)) : 0;
        }

        private int Target(int table, int index) => Field(table, index) is var f and > 0 ? table + f + U32(table + f) : 0;

        public int Table(int table, int index) => Target(table, index);

        /// <summary>A vector field: the offset of its length word.</summary>
        public int Vector(int table, int index) => Target(table, index);

        public int[] Tables(int table, int index)
        {
            var vector = Vector(table, index);
            if (vector == 0) return [];
            return [.. Enumerable.Range(0, U32(vector)).Select(k => vector + 4 + (4 * k) + U32(vector + 4 + (4 * k)))];
        }
    }
}
