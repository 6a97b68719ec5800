using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Quantization;
using EdgeOpt.Tests.Transformer;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Onnx;

/// <summary>
/// <see cref="Model.CalculateSerializedSize"/> is the exact length of the inline encoding (what <see cref="Model.ToBytes"/>
/// returns), on real models, on every model of the ONNX conformance suite, and above 2 GiB (<see cref="LargeModelTests"/>).
/// </summary>
public class SerializedSizeTests
{
    public static TheoryData<string> RealModels => new() { "resnet18", "silero-legacy", "silero-v5", "minilm", "blazeface" };

    private static string PathOf(string name) => name switch
    {
        "resnet18" => Fixtures.ResNet18,
        "silero-legacy" => Fixtures.SileroVadLegacy,
        "silero-v5" => Fixtures.SileroVadV5,
        "minilm" => MiniLm.ModelPath,
        _ => Fixtures.BlazeFace,
    };

    [Theory]
    [MemberData(nameof(RealModels))]
    public void Equals_the_serialized_length_of_a_real_model(string name)
    {
        using var model = Model.Load(PathOf(name));

        var size = model.CalculateSerializedSize();

        Assert.Equal(model.ToBytes().LongLength, size);
    }

    [Fact]
    public void Equals_the_serialized_length_of_every_conformance_model()
    {
        var checkedModels = 0;
        var mismatches = new List<string>();
        foreach (var path in Directory.EnumerateFiles(Fixtures.OnnxTestData, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Model model;
            try
            {
                model = Model.Load(path);
            }
            catch (Exception e) when (e is EdgeOptException or IOException)
            {
                continue; // the conformance tests pin which files the reader refuses
            }
            using (model)
            {
                var expected = model.ToBytes().LongLength;
                var size = model.CalculateSerializedSize();
                if (size != expected) mismatches.Add($"{Path.GetRelativePath(Fixtures.OnnxTestData, path)}: {size} != {expected}");
                checkedModels++;
            }
        }

        Assert.True(checkedModels > 1000, $"only {checkedModels} conformance models loaded");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void Counts_strings_sparse_tensors_functions_metadata_and_multibyte_names()
    {
        var b = new GraphBuilder(opset: 17).Opset("custom.math", 1);
        b.DocString = "Modèle — ünïcode doc ✓";
        var x = b.Input("entrée_x", DataType.Float, 3);
        var labels = b.Initializer(Tensor.FromStrings("étiquettes", [3], ["cat", "dög", "猫"]));
        var values = Tensor.Create("sp", new float[] { 1.5f, -2f }, 2);
        var indices = Tensor.Create("sp_idx", new long[] { 1, 7 }, 2);
        b.Graph.Initializers.AddSparse(new SparseTensor(values, indices, [3, 4]));
        var big = b.Initializer("big", Enumerable.Range(0, 5000).Select(i => (float)i).ToArray(), 5000);
        var squared = b.AddNode("Square", [x], domain: "custom.math").Outputs[0];
        b.Output(b.Op("Identity", [labels]), "labels_out");
        b.Output(b.Op("ReduceSum", [big]), "total");
        b.Output(squared, "y", new TensorType(DataType.Float, new TensorShape(3)));
        using var model = b.Build();
        model.Functions.Add(SerializationTests.SquareFunction());
        model.MetadataProps.Add(new("author", "edgeopt ✓"));
        model.Graph.Nodes[0].DocString = "nœud";
        model.Graph.Nodes[0].MetadataProps.Add(new("k", "v"));

        Assert.Equal(model.ToBytes().LongLength, model.CalculateSerializedSize());
    }

    [Fact]
    public void Counts_external_data_inline_without_changing_the_saved_files()
    {
        using var dir = new TempDir();
        using (var original = Model.Load(Fixtures.ResNet18))
            original.Save(dir.File("r.onnx"), new ModelSaveOptions { ExternalData = true, ExternalDataLocation = "weights.bin" });
        var graphBytes = new FileInfo(dir.File("r.onnx")).Length;
        using var model = Model.Load(dir.File("r.onnx"));
        Assert.Contains(model.Graph.Initializers, v => v.Initializer?.External is not null);

        var size = model.CalculateSerializedSize();

        // The size is that of the inline encoding (ToBytes reads the external weights into it), not of the graph file.
        Assert.Equal(model.ToBytes().LongLength, size);
        Assert.True(size > graphBytes + new FileInfo(dir.File("weights.bin")).Length / 2, $"{size} should count the external weights");
    }

    [Fact]
    public void The_quantizer_reports_the_serialized_sizes_of_its_input_and_output()
    {
        using var model = Model.Load(Fixtures.SileroVadV5);
        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Float16 }).Quantize(model);

        Assert.Equal(model.ToBytes().LongLength, result.BytesBefore);
        Assert.Equal(result.Model.ToBytes().LongLength, result.BytesAfter);
        Assert.True(result.BytesAfter < result.BytesBefore, $"float16 should shrink the model: {result.BytesBefore} -> {result.BytesAfter}");
    }
}
