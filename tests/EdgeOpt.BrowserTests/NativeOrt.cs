using EdgeOpt.Tests.Shared;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.BrowserTests;

/// <summary>The reference the page is compared with: native ONNX Runtime (MLAS on the CPU) on the bundle's own sample.</summary>
internal static class NativeOrt
{
    /// <summary>
    /// Runs <paramref name="modelPath"/> on the sample files a bundle ships (bundle.json's inputs: raw little-endian
    /// float32) and returns the first output.
    /// </summary>
    public static float[] RunOnBundleSample(string modelPath, string bundleFolder)
    {
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundleFolder, "bundle.json")));
        var feeds = new List<NamedOnnxValue>();
        foreach (var input in config.RootElement.GetProperty("inputs").EnumerateArray())
        {
            var name = input.GetProperty("name").GetString()!;
            var type = input.GetProperty("type").GetString();
            if (type != "float32") throw new NotSupportedException($"bundle input '{name}' is {type}; these tests feed float32 samples only");
            var dims = input.GetProperty("shape").EnumerateArray().Select(d => checked((int)d.GetInt64())).ToArray();
            var bytes = File.ReadAllBytes(Path.Combine(bundleFolder, input.GetProperty("sample").GetString()!));
            var data = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            feeds.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(data, dims)));
        }
        using var session = new InferenceSession(modelPath);
        using var results = session.Run(feeds);
        return results[0].AsEnumerable<float>().ToArray();
    }
}

/// <summary>Comparisons of the page's outputs with the native reference.</summary>
internal static class Outputs
{
    public static double MaxAbsDiff(IReadOnlyList<float> expected, IReadOnlyList<float> actual) => Differences.MaxAbs(expected, actual);

    public static int ArgMax(IReadOnlyList<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Count; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Asserts the same length, the same top class and every element within <paramref name="tolerance"/> (absolute).</summary>
    public static double AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance, ITestOutputHelper output)
    {
        var diff = MaxAbsDiff(expected, actual);
        output.WriteLine($"max |browser - native ORT| = {diff:E2} over {expected.Count} values (tolerance {tolerance:E0})");
        Assert.True(diff <= tolerance, $"browser output differs from native ONNX Runtime by {diff:E3} (tolerance {tolerance:E0})");
        Assert.Equal(ArgMax(expected), ArgMax(actual));
        return diff;
    }
}
