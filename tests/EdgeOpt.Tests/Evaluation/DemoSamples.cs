using EdgeOpt.Data;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Evaluation;

/// <summary>Demo images as the demo model takes them: input <c>input</c> = pixel / 255 as float [1,1,28,28], one sample per image.</summary>
internal static class DemoSamples
{
    public static InMemorySampleSource From(LabelledImages images, bool withLabels = true)
    {
        var samples = new List<IReadOnlyDictionary<string, Tensor>>(images.Count);
        for (var i = 0; i < images.Count; i++)
        {
            var pixels = images.Image(i);
            var values = new float[pixels.Length];
            for (var p = 0; p < values.Length; p++) values[p] = pixels[p] / 255f;
            samples.Add(new Dictionary<string, Tensor> { ["input"] = Tensor.Create("input", values, 1, 1, images.Rows, images.Cols) });
        }
        var labels = withLabels ? images.Labels.ToArray().Select(l => (int)l).ToArray() : null;
        return new InMemorySampleSource(samples, labels, images.Source);
    }
}
