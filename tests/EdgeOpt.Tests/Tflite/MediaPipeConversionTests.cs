using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Tflite;
using EdgeOpt.Tests.Optimization;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// MediaPipe's face detectors (float16 weights behind DEQUANTIZE; the sparse one with DENSIFY) and selfie segmenters
/// (custom Convolution2DTransposeBias, HARD_SWISH) converted to ONNX and run in ONNX Runtime on natural photos, against
/// Google's own TFLite interpreter (LiteRT.js) on the same photos. Float outputs must agree to 1e-4 relative (plus 1e-4
/// absolute for values near zero): the two runtimes differ only in float summation order.
/// </summary>
public class MediaPipeConversionTests
{
    private const double Relative = 1e-4, Absolute = 1e-4;

    public static TheoryData<string, string, int, int> Models() => new()
    {
        { "face_detection_short_range", "astronaut.png", 128, 128 },
        { "face_detection_short_range", "chelsea.png", 128, 128 },
        { "face_detection_full_range", "astronaut.png", 192, 192 },
        { "face_detection_full_range_sparse", "astronaut.png", 192, 192 },
        { "selfie_segmentation", "astronaut.png", 256, 256 },
        { "selfie_segmentation_landscape", "coffee.png", 144, 256 },
    };

    private static string PathOf(string name) => name switch
    {
        "face_detection_short_range" => Fixtures.FaceDetectionShortRange,
        "face_detection_full_range" => Fixtures.FaceDetectionFullRange,
        "face_detection_full_range_sparse" => Fixtures.FaceDetectionFullRangeSparse,
        "selfie_segmentation" => Fixtures.SelfieSegmentation,
        "selfie_segmentation_landscape" => Fixtures.SelfieSegmentationLandscape,
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void The_converted_model_gives_what_TFLite_gives_on_a_photo(string name, string photo, int height, int width)
    {
        var path = PathOf(name);
        var image = Photo(photo, height, width, faceDetector: name.StartsWith("face", StringComparison.Ordinal));
        var expected = TfliteReference.Run(path, ([1, height, width, 3], image));
        using var model = TfliteConverter.Convert(path);
        var actual = OrtRun.Run(model, ([1, height, width, 3], image));

        Assert.Equal(expected.Count, actual.Count);
        for (var o = 0; o < expected.Count; o++)
        {
            Assert.Equal(expected[o].Name, actual[o].Name); // the TFLite output names survive conversion
            Assert.Equal(expected[o].Shape.Select(d => (long)d), actual[o].Shape);
            var want = (float[])expected[o].Data;
            var got = (float[])actual[o].Data;
            var worst = 0.0;
            for (var i = 0; i < want.Length; i++)
            {
                var excess = Math.Abs(got[i] - want[i]) - (Absolute + Relative * Math.Abs(want[i]));
                worst = Math.Max(worst, excess);
                Assert.True(excess <= 0, $"{name} output '{expected[o].Name}'[{i}]: {got[i]} vs TFLite {want[i]}");
            }
        }
    }

    [Fact]
    public void The_sparse_detector_is_densified_at_conversion_and_finds_the_face_the_dense_one_finds()
    {
        using var dense = TfliteConverter.Convert(Fixtures.FaceDetectionFullRange);
        using var sparse = TfliteConverter.Convert(Fixtures.FaceDetectionFullRangeSparse);
        // DENSIFY and float16 DEQUANTIZE leave no node behind: the weights are plain float32 initializers.
        Assert.DoesNotContain(sparse.Graph.Nodes, n => n.OpType is "Cast" or "DequantizeLinear");
        var image = Photo("astronaut.png", 192, 192, faceDetector: true);
        int Best(Model m)
        {
            var scores = (float[])OrtRun.Run(m, ([1, 192, 192, 3], image))[1].Data;
            return Array.IndexOf(scores, scores.Max());
        }
        Assert.Equal(Best(dense), Best(sparse)); // two networks (pruned and not) trained for the same anchors
    }

    [Fact]
    public void Float16_weights_are_folded_by_default_and_kept_with_a_cast_on_request()
    {
        using var folded = TfliteConverter.Convert(Fixtures.FaceDetectionShortRange);
        using var kept = TfliteConverter.Convert(Fixtures.FaceDetectionShortRange, new TfliteConversionOptions { KeepFloat16Weights = true });
        Assert.All(folded.Graph.Initializers, v => Assert.NotEqual(DataType.Float16, v.Initializer!.DataType));
        Assert.Contains(kept.Graph.Initializers, v => v.Initializer!.DataType == DataType.Float16);
        var castCount = kept.Graph.Nodes.Count(n => n.OpType == "Cast");
        Assert.True(castCount >= 37, $"{castCount} casts for 37 convolutions' float16 weights");
        long Bytes(Model m) => m.Graph.Initializers.Sum(v => v.Initializer!.ByteLength);
        Assert.InRange(Bytes(kept) / (double)Bytes(folded), 0.45, 0.6); // float16 weights take half the bytes
    }

    [Fact]
    public void The_converted_BlazeFace_has_no_more_transposes_than_its_tf2onnx_twin()
    {
        using var converted = TfliteConverter.Convert(Fixtures.FaceDetectionShortRange);
        using var twin = Model.Load(Fixtures.BlazeFace);
        int ours = converted.Graph.Nodes.Count(n => n.OpType == "Transpose"), theirs = twin.Graph.Nodes.Count(n => n.OpType == "Transpose");
        Assert.True(ours <= theirs, $"{ours} Transpose nodes, tf2onnx's twin has {theirs}");
        // Inside the network every convolution reads channels-first values: the transposes sit at the input and outputs.
        Assert.All(converted.Graph.Nodes.Where(n => n.OpType == "Transpose"), t =>
            Assert.True(t.Inputs[0]!.IsGraphInput || t.Outputs[0].Uses.All(u => u.Node.OpType == "Reshape"), $"{t} is inside the network"));
        Assert.Equal(37, converted.Graph.Nodes.Count(n => n.OpType == "Conv"));
    }

    private static SortedDictionary<string, int> OpCounts(Model model) =>
        new(model.Graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);

    /// <summary>A photo as NHWC RGB: in [-1, 1] for the face detectors, [0, 1] for the segmenters (MediaPipe's conventions).</summary>
    internal static float[] Photo(string name, int height, int width, bool faceDetector)
    {
        var size = Math.Max(height, width);
        var chw = NaturalImages.LoadRgbChw(Path.Combine(NaturalImages.Folder, name), size);
        var top = (size - height) / 2;
        var left = (size - width) / 2;
        var nhwc = new float[height * width * 3];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                for (var c = 0; c < 3; c++)
                {
                    var v = chw[(c * size * size) + ((top + y) * size) + left + x];
                    nhwc[(((y * width) + x) * 3) + c] = faceDetector ? (v / 127.5f) - 1 : v / 255f;
                }
        return nhwc;
    }
}
