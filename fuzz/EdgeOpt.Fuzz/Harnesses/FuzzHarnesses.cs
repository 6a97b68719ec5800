using System.Text;
using EdgeOpt.Analysis;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Tflite;
using EdgeOpt.Power;
using EdgeOpt.Progressive;
using EdgeOpt.Quantization;
using static EdgeOpt.Fuzz.FuzzHarness;

namespace EdgeOpt.Fuzz;

/// <summary>
/// Every fuzz target, by the name <c>fuzz/run.sh</c> takes. Each one feeds the input to a public entry point the way a
/// user's file reaches it (bytes for parsers that take bytes, a file in the scratch folder for those that take paths)
/// and then uses what came back, so lazily read parts (memory-mapped and external tensor data, sample payloads) are
/// read too.
/// </summary>
public static class FuzzHarnesses
{
    /// <summary>The lowest and highest opsets the <c>opset-converter</c> harness converts to (the first input byte picks one).</summary>
    public const int MinTargetOpset = 7, MaxTargetOpset = 21;

    /// <summary>How many samples the data harnesses read from a source at most (each read decodes a payload).</summary>
    public const int SamplesRead = 4;

    private static readonly SequenceType SequenceOfTensors = new(new TensorType(DataType.Float, null));
    private static readonly OptionalType OptionalTensor = new(new TensorType(DataType.Float, null));

    public static IReadOnlyList<FuzzHarness> All { get; } =
    [
        new("onnx", "Model.Parse on the bytes (ONNX, or TFLite when sniffed), every tensor and attribute read, then ToBytes and Parse again", Onnx),
        new("onnx-external", "Model.Parse with a base folder of weight files, symlinks and sub-folders: external-data locations, offsets and lengths resolved and read", OnnxExternal),
        new("shape-inference", "Model.Parse, then ShapeInference.Infer", ShapeInferenceHarness),
        new("opset-converter", "first byte picks the target opset (7..21); Model.Parse on the rest, OpsetConverter.Convert, then ToBytes and Parse again", OpsetConverterHarness),
        new("tflite", "TfliteConverter.Convert on the bytes (FlatBuffers reader and graph conversion), then ToBytes and Parse again", Tflite),
        new("npy", ".npy through SampleSources.Open for a shaped and a shapeless input (samples read) and LabelFile.Load", Npy),
        new("npz", ".npz through SampleSources.Open for a two-input and a one-input model (samples read)", Npz),
        new("idx", "IDX images (SampleSources.Open, samples read) and IDX labels (LabelFile.Load), plain or gzipped", Idx),
        new("pb", "TensorProto/SequenceProto/OptionalProto .pb: OnnxTensorFile.Parse, ParseValue (tensor, sequence, optional) and SampleSources.Open for a shaped and a shapeless input (samples read)", Pb),
        new("manifest", "manifest.json of a real progressive package: ProgressiveManifest.Load(verify) and ProgressiveLoader.LoadAsync from the folder", Manifest),
        new("plan", "QuantizationPlan.FromJson, ToJson round trip, then QdqQuantizer.Apply to a small Conv/MatMul model", Plan),
        new("device", "CustomDevice.Parse, Resolve, then LatencyEstimator.Estimate and PowerAnalyzer.Analyze on a small model", Device),
    ];

    /// <summary>The harness called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No harness has that name (the message lists them).</exception>
    public static FuzzHarness Find(string name) => All.FirstOrDefault(h => h.Name == name)
        ?? throw new ArgumentException($"unknown harness '{name}'; expected one of {string.Join(", ", All.Select(h => h.Name))}", nameof(name));

    private static void Onnx(byte[] input)
    {
        using var model = Model.Parse(input);
        ModelWalker.Touch(model);
        RoundTrip(model, "Model.Parse");
    }

    private static void OnnxExternal(byte[] input)
    {
        using var model = Model.Parse(input, FuzzFixtures.ExternalDataFolder);
        ModelWalker.Touch(model);
        RoundTrip(model, "Model.Parse with external data");
    }

    private static void ShapeInferenceHarness(byte[] input)
    {
        using var model = Model.Parse(input);
        var result = ShapeInference.Infer(model);
        _ = result.ToString();
        foreach (var value in model.Graph.AllGraphs().SelectMany(g => g.Values())) _ = value.Type?.ToString();
    }

    private static void OpsetConverterHarness(byte[] input)
    {
        if (input.Length < 2) return;
        var target = MinTargetOpset + (input[0] % (MaxTargetOpset - MinTargetOpset + 1));
        using var model = Model.Parse(input.AsMemory(1));
        var report = OpsetConverter.Convert(model, target);
        _ = report.ToString();
        RoundTrip(model, $"OpsetConverter.Convert to opset {target}");
    }

    private static void Tflite(byte[] input)
    {
        using var model = TfliteConverter.Convert(input, "fuzz.tflite");
        ModelWalker.Touch(model);
        RoundTrip(model, "TfliteConverter.Convert");
    }

    private static void Npy(byte[] input)
    {
        var path = Scratch.Write("npy", "x.npy", input);
        Expect(() => ReadSamples(SampleSources.Open(path, FuzzFixtures.SingleInputModel)));
        Expect(() => ReadSamples(SampleSources.Open(path, FuzzFixtures.ShapelessInputModel)));
        Expect(() => _ = LabelFile.Load(path));
    }

    private static void Npz(byte[] input)
    {
        var path = Scratch.Write("npz", "x.npz", input);
        Expect(() => ReadSamples(SampleSources.Open(path, FuzzFixtures.TwoInputModel)));
        Expect(() => ReadSamples(SampleSources.Open(path, FuzzFixtures.SingleInputModel)));
    }

    private static void Idx(byte[] input)
    {
        var images = Scratch.Write("idx", "x-idx3-ubyte", input);
        Expect(() => ReadSamples(SampleSources.Open(images, FuzzFixtures.ImageModel)));
        var labels = Scratch.Write("idx", "y-idx1-ubyte", input);
        Expect(() => _ = LabelFile.Load(labels));
    }

    private static void Pb(byte[] input)
    {
        Expect(() => ModelWalker.Touch(OnnxTensorFile.Parse(input)));
        Expect(() => ModelWalker.Touch(OnnxTensorFile.ParseValue(input, SequenceOfTensors)));
        Expect(() => ModelWalker.Touch(OnnxTensorFile.ParseValue(input, OptionalTensor)));
        var path = Scratch.Write("pb", "x.pb", input);
        Expect(() => ReadSamples(SampleSources.Open(path, FuzzFixtures.SingleInputModel)));
        Expect(() => ReadSamples(SampleSources.Open(path, FuzzFixtures.ShapelessInputModel)));
    }

    private static void Manifest(byte[] input)
    {
        var folder = FuzzFixtures.ProgressivePackageFolder;
        File.WriteAllBytes(Path.Combine(folder, "manifest.json"), input);
        Expect(() => _ = ProgressiveManifest.Load(folder, verify: true));
        Expect(() =>
        {
            // No retries: a file that fails verification fails the same way again, and the retry delay would only slow the run.
            using var loader = new ProgressiveLoader(new Uri(folder + "/"), new LoaderOptions { MaxRetries = 0, MaxParallelDownloads = 1 });
            using var loaded = loader.LoadAsync().GetAwaiter().GetResult();
            ModelWalker.Touch(loaded.Model);
        });
    }

    private static void Plan(byte[] input)
    {
        var plan = QuantizationPlan.FromJson(Encoding.UTF8.GetString(input), "fuzz-plan.json");
        var again = QuantizationPlan.FromJson(plan.ToJson(), "fuzz-plan.json (written back)");
        if (again.Tensors.Count != plan.Tensors.Count || again.ExcludedNodes.Count != plan.ExcludedNodes.Count)
            throw new FuzzFindingException("the plan read back from ToJson lost entries");
        using var model = FuzzFixtures.QuantizableModel();
        _ = QdqQuantizer.Apply(model, plan);
        ModelWalker.Touch(model);
    }

    private static void Device(byte[] input)
    {
        var device = CustomDevice.Parse(Encoding.UTF8.GetString(input), "fuzz-device.json");
        _ = CustomDevice.Parse(device.ToJson(), "fuzz-device.json (written back)");
        var resolved = device.Resolve();
        _ = resolved.Describe();
        var model = FuzzFixtures.EstimationModel;
        Expect(() => _ = LatencyEstimator.Estimate(model, resolved.Device));
        Expect(() => _ = PowerAnalyzer.Analyze(model, resolved.Device));
    }

    private static void ReadSamples(ISampleSource source)
    {
        _ = source.Description;
        for (var i = 0; i < Math.Min(source.Count, SamplesRead); i++)
            foreach (var tensor in source.Read(i).Values) ModelWalker.Touch(tensor);
    }

    /// <summary>Writes the model and reads it back: what EdgeOpt read or made, it must be able to write and read again.</summary>
    private static void RoundTrip(Model model, string step)
    {
        var bytes = model.ToBytes();
        try
        {
            using var again = Model.Parse(bytes);
        }
        catch (ModelFormatException e)
        {
            throw new FuzzFindingException($"after {step}, the model ToBytes wrote does not read back: {e.Message}", e);
        }
    }
}
