using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.DemoTrainer;

/// <summary>Runs the exported model in ONNX Runtime and measures top-1 accuracy.</summary>
internal static class OrtVerifier
{
    /// <summary>Top-1 accuracy on both sets, and the logits [count*10] of <paramref name="test"/>.</summary>
    public static (double Full, double Subset, float[] TestLogits) Run(string modelPath, IdxDataSet test, IdxDataSet subset)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(modelPath, options);
        var testLogits = new float[test.Count * 10];
        var full = Accuracy(session, test, testLogits);
        var first = Accuracy(session, subset, new float[subset.Count * 10]);
        return (full, first, testLogits);
    }

    private static double Accuracy(InferenceSession session, IdxDataSet data, float[] allLogits)
    {
        const int batch = 500;
        var correct = 0;
        for (var start = 0; start < data.Count; start += batch)
        {
            var count = Math.Min(batch, data.Count - start);
            var input = new DenseTensor<float>([count, 1, data.Rows, data.Cols]);
            var span = input.Buffer.Span;
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = data.Pixels[(start * data.ImageSize) + i] / 255f;
            }

            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)], ["logits"]);
            var logits = results[0].AsTensor<float>();
            for (var n = 0; n < count; n++)
            {
                for (var c = 0; c < 10; c++)
                {
                    allLogits[((start + n) * 10) + c] = logits[n, c];
                }

                var best = 0;
                for (var c = 1; c < 10; c++)
                {
                    if (logits[n, c] > logits[n, best])
                    {
                        best = c;
                    }
                }

                if (best == data.Labels[start + n])
                {
                    correct++;
                }
            }
        }

        return (double)correct / data.Count;
    }
}
