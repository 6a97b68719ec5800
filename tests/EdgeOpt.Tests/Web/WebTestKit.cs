using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Data;
using EdgeOpt.Tests.Progressive;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Web;

/// <summary>Models for web bundle tests, reading a bundle's sample back, running models in ONNX Runtime and comparing trees.</summary>
internal static class WebTestKit
{
    /// <summary>The onnxruntime-web dist files the build copied next to the assemblies (what every bundle's ort/ copies).</summary>
    public static string ShippedRuntimeFolder => Path.Combine(AppContext.BaseDirectory, "onnxruntime-web");

    /// <summary>A one-node (Identity) model whose single input <c>x</c> has <paramref name="shape"/>.</summary>
    public static string IdentityModel(string folder, string name, DataType type, params Dim[] shape)
    {
        var path = Path.Combine(folder, name + ".onnx");
        using var model = DataTestKit.Model(type, shape);
        model.Save(path);
        return path;
    }

    public static JsonDocument ReadConfig(string bundle) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "bundle.json")));

    /// <summary>The sample tensors the page feeds, rebuilt from bundle.json's inputs and the raw files under sample/ (float32 only).</summary>
    public static Dictionary<string, Tensor> ReadSample(string bundle)
    {
        using var config = ReadConfig(bundle);
        var result = new Dictionary<string, Tensor>();
        foreach (var input in config.RootElement.GetProperty("inputs").EnumerateArray())
        {
            Assert.Equal("float32", input.GetProperty("type").GetString());
            var name = input.GetProperty("name").GetString()!;
            var dims = input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var values = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(bundle, input.GetProperty("sample").GetString()!))).ToArray();
            result[name] = Tensor.Create<float>(name, values, dims);
        }
        return result;
    }

    /// <summary>Runs the model file at <paramref name="path"/> (external data resolved next to it) on <paramref name="inputs"/>, one thread, no graph rewrites.</summary>
    public static Dictionary<string, float[]> Run(string path, IReadOnlyDictionary<string, Tensor> inputs) => PackagerModels.Run(path, inputs);

    /// <summary>Asserts the two runs have the same outputs, bit for bit (same graph and weights, one thread: nothing may differ).</summary>
    public static void AssertIdentical(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected) Assert.Equal(values, actual[name]);
    }

    /// <summary>Every file of a folder: relative '/' path → SHA-256 of its bytes.</summary>
    public static SortedDictionary<string, string> Tree(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(folder, f).Replace('\\', '/'),
            f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))), StringComparer.Ordinal);

    /// <summary>Temporary siblings AtomicFolder might leave next to <paramref name="output"/> (<c>.name.*.tmp</c> / <c>.old</c>).</summary>
    public static string[] TempSiblings(string output) =>
        Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.*");
}
