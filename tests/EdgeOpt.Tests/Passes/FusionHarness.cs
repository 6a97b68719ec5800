using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Passes;

/// <summary>Shared steps of the fusion-pass tests: run a pass on a copy, compare original and result in ONNX Runtime.</summary>
internal static class FusionHarness
{
    /// <summary>Fusions reassociate float arithmetic; 1e-5 of the output's largest magnitude leaves room for that and no more.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>Asserts every output of <paramref name="result"/> is within <paramref name="tolerance"/> (relative to the largest magnitude).</summary>
    public static EquivalenceReport AssertEquivalent(Model original, Model result, double tolerance = Tolerance, int samples = 3,
        IReadOnlyDictionary<string, long>? dims = null)
    {
        var report = ModelEquivalence.Compare(original, result, samples, seed: 5, dims);
        Assert.NotEmpty(report.Outputs);
        Assert.True(report.IsWithin(tolerance), $"max relative error {report.MaxRelativeError:E3} exceeds {tolerance:E1}");
        return report;
    }

    /// <summary>Asserts the pass left the model alone: reported no change and wrote identical bytes.</summary>
    public static void AssertUnchanged(IGraphPass pass, Model original)
    {
        using var copy = original.Clone();
        Assert.False(pass.Run(copy, new PassContext()).Changed);
        Assert.Equal(original.ToBytes(), copy.ToBytes());
    }

    /// <summary>Uniform values in [offset − scale, offset + scale), reproducible per seed.</summary>
    public static float[] Values(int count, float scale = 1f, float offset = 0f, int seed = 1)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale + offset)];
    }


    /// <summary>Adds BatchNormalization parameters for <paramref name="channels"/> channels (variance kept positive).</summary>
    public static Value[] BatchNormParameters(GraphBuilder b, int channels, string prefix = "bn", int seed = 3) =>
    [
        b.Initializer($"{prefix}.scale", Values(channels, 0.5f, 1f, seed), channels),
        b.Initializer($"{prefix}.bias", Values(channels, 0.3f, 0f, seed + 1), channels),
        b.Initializer($"{prefix}.mean", Values(channels, 0.4f, 0f, seed + 2), channels),
        b.Initializer($"{prefix}.var", Values(channels, 0.4f, 1f, seed + 3), channels),
    ];
}
