using EdgeOpt.Tests.Optimization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// The TFLite reference runtime (LiteRT.js under Node.js) is itself checked: MediaPipe's short-range face detector run
/// there must give what its tf2onnx twin (<see cref="Fixtures.BlazeFace"/>) gives in ONNX Runtime.
/// </summary>
public sealed class TfliteReferenceTests(ITestOutputHelper output)
{
    private const int Size = 128;
    private const int Anchors16 = 512; // 16×16 grid, 2 anchors per cell
    private const int Anchors8 = 384; // 8×8 grid, 6 anchors per cell

    [Fact]
    public void Describe_lists_the_face_detector_s_inputs_and_outputs()
    {
        var signature = TfliteReference.Describe(Fixtures.FaceDetectionShortRange);

        var input = Assert.Single(signature.Inputs);
        Assert.Equal(("input", "float32"), (input.Name, input.DType));
        Assert.Equal([1, Size, Size, 3], input.Shape);
        Assert.Equal(["regressors", "classificators"], signature.Outputs.Select(o => o.Name));
        Assert.Equal([1, 896, 16], signature.Outputs[0].Shape);
        Assert.Equal([1, 896, 1], signature.Outputs[1].Shape);
    }

    [Fact]
    public void Face_detector_matches_its_onnx_twin_in_onnx_runtime()
    {
        var image = Astronaut();

        var outputs = TfliteReference.Run(Fixtures.FaceDetectionShortRange, ([1, Size, Size, 3], image));

        Assert.Equal(["regressors", "classificators"], outputs.Select(o => o.Name));
        Assert.Equal([1, 896, 16], outputs[0].Shape);
        Assert.Equal([1, 896, 1], outputs[1].Shape);
        var boxes = Assert.IsType<float[]>(outputs[0].Data);
        var scores = Assert.IsType<float[]>(outputs[1].Data);
        foreach (var values in new[] { boxes, scores })
        {
            Assert.All(values, v => Assert.True(float.IsFinite(v), $"non-finite output {v}"));
            Assert.True(values.Distinct().Count() > 100, "the output is (nearly) constant");
        }

        var (twinBoxes, twinScores) = RunTwin(image);
        // Both run float32 kernels (XNNPACK in WASM, MLAS in ORT) that sum in different orders; box offsets reach ~100 px.
        const float Tolerance = 1e-3f;
        output.WriteLine($"max |TFLite - ONNX|: regressors {MaxAbsDiff(boxes, twinBoxes):G3}, classificators {MaxAbsDiff(scores, twinScores):G3}; best face logit {scores.Max():G3}");
        Assert.True(MaxAbsDiff(boxes, twinBoxes) <= Tolerance, $"regressors differ from the ONNX twin's by {MaxAbsDiff(boxes, twinBoxes):G3}");
        Assert.True(MaxAbsDiff(scores, twinScores) <= Tolerance, $"classificators differ from the ONNX twin's by {MaxAbsDiff(scores, twinScores):G3}");
        // And the photo's face is found: a real detection, not two runtimes agreeing on noise.
        Assert.True(scores.Max() > 1.5f, $"best face logit {scores.Max():G3}: the astronaut's face is not detected");
    }

    [Fact]
    public void A_wrong_dtype_fails_with_the_runner_s_message()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            TfliteReference.Run(Fixtures.FaceDetectionShortRange, ([1, Size, Size, 3], new int[Size * Size * 3])));

        Assert.Contains("input 0 (input) is float32 [1,128,128,3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("holds int32", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>skimage's astronaut photo (a face in the upper middle) at 128×128, NHWC RGB in [-1, 1] as BlazeFace takes it.</summary>
    private static float[] Astronaut()
    {
        var chw = NaturalImages.LoadRgbChw(Path.Combine(NaturalImages.Folder, "astronaut.png"), Size);
        var plane = Size * Size;
        var nhwc = new float[3 * plane];
        for (var i = 0; i < plane; i++)
            for (var c = 0; c < 3; c++)
                nhwc[(3 * i) + c] = (chw[(c * plane) + i] / 127.5f) - 1;
        return nhwc;
    }

    /// <summary>The ONNX twin's outputs, its per-grid halves concatenated the way the TFLite model concatenates them (16×16 first).</summary>
    private static (float[] Boxes, float[] Scores) RunTwin(float[] image)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(Fixtures.BlazeFace, options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input:0", new DenseTensor<float>(image, [1, Size, Size, 3]))]);
        var byName = results.ToDictionary(r => r.Name, r => r.AsTensor<float>());
        // tf2onnx kept the TF graph's names: Identity:0/Identity_1:0 score the 16×16/8×8 anchors, Identity_2:0/Identity_3:0 box them.
        float[] Take(string name, int anchors, int width)
        {
            var tensor = byName[$"{name}:0"];
            Assert.Equal(anchors * width, (int)tensor.Length);
            return [.. tensor];
        }
        return ([.. Take("Identity_2", Anchors16, 16), .. Take("Identity_3", Anchors8, 16)],
                [.. Take("Identity", Anchors16, 1), .. Take("Identity_1", Anchors8, 1)]);
    }

    private static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }
}
