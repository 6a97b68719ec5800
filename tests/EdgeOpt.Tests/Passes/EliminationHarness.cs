using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Passes;

/// <summary>Shared steps of the elimination-pass tests: run a pass on a copy, prove exactness in ONNX Runtime.</summary>
internal static class EliminationHarness
{
    /// <summary>Eliminations must be exact: every output equal, bit for bit, on random inputs.</summary>
    public static void AssertExactlyEquivalent(Model original, Model result, int samples = 3, IReadOnlyDictionary<string, long>? dims = null)
    {
        var report = ModelEquivalence.Compare(original, result, samples, seed: 11, dims);
        Assert.NotEmpty(report.Outputs);
        Assert.Equal(0, report.MaxAbsError);
    }

    /// <summary>The Fashion-MNIST CNN embedded in the CLI (src/EdgeOpt.Cli/Resources/demo/fashion-cnn.onnx).</summary>
    public static Model DemoModel() => Model.Parse(DemoAssets.ModelBytes());
}
