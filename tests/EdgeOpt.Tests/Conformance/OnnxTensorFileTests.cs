using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Conformance;

public class OnnxTensorFileTests
{
    /// <summary>Every test-data file of the suite, decoded by the type its model declares.</summary>
    public static IEnumerable<(string File, OnnxType? Type)> SuiteFiles()
    {
        foreach (var (_, dir) in ConformanceSuite.Cases(Fixtures.OnnxTestData))
        {
            using var model = Model.Load(Path.Combine(dir, "model.onnx"));
            foreach (var set in Directory.EnumerateDirectories(dir, "test_data_set_*"))
            {
                for (var i = 0; File.Exists(Path.Combine(set, $"input_{i}.pb")); i++)
                    yield return (Path.Combine(set, $"input_{i}.pb"), model.Graph.Inputs[i].Type);
                for (var j = 0; File.Exists(Path.Combine(set, $"output_{j}.pb")); j++)
                    yield return (Path.Combine(set, $"output_{j}.pb"), model.Graph.Outputs[j].Type);
            }
        }
    }

    [Fact]
    public void Every_suite_data_file_round_trips()
    {
        var count = 0;
        var kinds = new HashSet<OnnxDataKind>();
        var types = new HashSet<DataType>();
        foreach (var (file, type) in SuiteFiles())
        {
            var value = OnnxTensorFile.LoadValue(file, type);
            var bytes = OnnxTensorFile.ToBytes(value);
            var again = OnnxTensorFile.ParseValue(bytes, type);
            Assert.True(OutputComparer.Bitwise(value, again) is null, $"{file}: {OutputComparer.Bitwise(value, again)}");
            Assert.Equal(value.Name, again.Name);
            Assert.Equal(bytes, OnnxTensorFile.ToBytes(again));
            kinds.Add(value.Kind);
            if (value.Tensor is { } t) types.Add(t.DataType);
            count++;
        }
        Assert.True(count > 2000, $"only {count} data files found");
        Assert.Superset(new HashSet<OnnxDataKind> { OnnxDataKind.Tensor, OnnxDataKind.Sequence, OnnxDataKind.Optional }, kinds);
        Assert.Superset(new HashSet<DataType> { DataType.Float, DataType.Double, DataType.Float16, DataType.Int64, DataType.String, DataType.Bool, DataType.UInt8 }, types);
    }

    [Fact]
    public void Typed_fields_and_raw_data_decode_to_the_same_values()
    {
        // test_cast_STRING_to_FLOAT stores strings; test_abs a raw float payload: check a few known elements.
        var strings = OnnxTensorFile.Load(Path.Combine(Fixtures.OnnxTestData, "node", "test_cast_STRING_to_FLOAT", "test_data_set_0", "input_0.pb"));
        Assert.Equal(DataType.String, strings.DataType);
        Assert.Equal([3L, 4L], strings.Dims);
        Assert.Equal(12, strings.Strings.Count);

        var floats = OnnxTensorFile.Load(Path.Combine(Fixtures.OnnxTestData, "node", "test_abs", "test_data_set_0", "input_0.pb"));
        var abs = OnnxTensorFile.Load(Path.Combine(Fixtures.OnnxTestData, "node", "test_abs", "test_data_set_0", "output_0.pb"));
        Assert.Equal(floats.Dims, abs.Dims);
        var x = floats.ToSingleArray();
        var y = abs.ToSingleArray();
        for (var i = 0; i < x.Length; i++) Assert.Equal(MathF.Abs(x[i]), y[i], 0f);
    }

    [Fact]
    public void Save_is_atomic_and_load_gives_the_tensor_back()
    {
        using var dir = new TempDir();
        var tensor = Tensor.Create("x", [1.5f, -2f, float.NaN, 0f], 2, 2);
        var path = dir.File("x.pb");
        OnnxTensorFile.Save(tensor, path);
        var loaded = OnnxTensorFile.Load(path);
        Assert.Equal("x", loaded.Name);
        Assert.Equal(tensor.RawBytes.ToArray(), loaded.RawBytes.ToArray());
        Assert.Equal(["x.pb"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));

        var strings = Tensor.FromStrings("s", [2], ["", "héllo"]);
        OnnxTensorFile.Save(strings, path);
        Assert.Equal("héllo", System.Text.Encoding.UTF8.GetString(OnnxTensorFile.Load(path).Strings[1]));
    }

    [Fact]
    public void Sequences_and_optionals_round_trip_through_files()
    {
        using var dir = new TempDir();
        var seq = OnnxDataValue.Sequence("seq", OnnxDataKind.Tensor,
            [OnnxDataValue.FromTensor(Tensor.Create("", [1L, 2L], 2)), OnnxDataValue.FromTensor(Tensor.Create("", [3L], 1))]);
        var seqType = new SequenceType(new TensorType(DataType.Int64, null));
        OnnxTensorFile.SaveValue(seq, dir.File("seq.pb"));
        var loaded = OnnxTensorFile.LoadValue(dir.File("seq.pb"), seqType);
        Assert.Equal(OnnxDataKind.Sequence, loaded.Kind);
        Assert.Null(OutputComparer.Bitwise(seq, loaded));

        var none = OnnxDataValue.Optional("opt", OnnxDataKind.Tensor, null);
        var noneBack = OnnxTensorFile.ParseValue(OnnxTensorFile.ToBytes(none), new OptionalType(new TensorType(DataType.Float, null)));
        Assert.False(noneBack.HasValue);
        Assert.Equal(OnnxDataKind.Tensor, noneBack.ElementKind);

        var empty = OnnxDataValue.Sequence("empty", OnnxDataKind.Tensor, []);
        var emptyBack = OnnxTensorFile.ParseValue(OnnxTensorFile.ToBytes(empty), seqType);
        Assert.Empty(emptyBack.Elements);
    }

    [Fact]
    public void Bad_input_gives_one_clear_error_and_writes_nothing()
    {
        using var dir = new TempDir();
        var missing = Assert.Throws<ModelFormatException>(() => OnnxTensorFile.Load(dir.File("nope.pb")));
        Assert.Contains("nope.pb", missing.Message, StringComparison.Ordinal);

        var valid = OnnxTensorFile.ToBytes(Tensor.Create("t", [1f, 2f, 3f], 3));
        File.WriteAllBytes(dir.File("cut.pb"), valid[..^3]);
        var truncated = Assert.Throws<ModelFormatException>(() => OnnxTensorFile.Load(dir.File("cut.pb")));
        Assert.Contains("cut.pb", truncated.Message, StringComparison.Ordinal);

        var wrongSize = OnnxTensorFile.ToBytes(Tensor.Create("t", [1f, 2f, 3f], 3));
        wrongSize[1] = 4; // dims[0] = 4 while raw_data holds three floats
        var mismatch = Assert.Throws<ModelFormatException>(() => OnnxTensorFile.Parse(wrongSize));
        Assert.Contains("tensor 't'", mismatch.Message, StringComparison.Ordinal);

        var noFolder = Path.Combine(dir.Path, "absent", "x.pb");
        Assert.Throws<UsageException>(() => OnnxTensorFile.Save(Tensor.Create("t", [1f], 1), noFolder));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "absent")));
    }
}
