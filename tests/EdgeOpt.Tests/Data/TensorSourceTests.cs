using System.IO.Compression;
using System.Runtime.InteropServices;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Data;

public sealed class TensorSourceTests
{
    private static readonly Model Batched = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), 3, 4, 4);

    [Fact]
    public void Npy_with_the_model_shape_is_one_sample()
    {
        using var dir = new TempDir();
        var values = DataTestKit.Ramp(48);
        DataTestKit.WriteNpy(dir.File("one.npy"), values, 1, 3, 4, 4);

        var source = SampleSources.Open(dir.File("one.npy"), Batched);

        source.CheckFits(Batched);
        Assert.Equal(1, source.Count);
        var tensor = source.Read(0)["x"];
        Assert.Equal([1L, 3, 4, 4], tensor.Dims);
        Assert.Equal(values, tensor.ToSingleArray());
    }

    [Fact]
    public void Npy_with_a_leading_n_is_n_samples_and_float64_reads_as_float32()
    {
        using var dir = new TempDir();
        var doubles = Enumerable.Range(0, 5 * 48).Select(i => i * 0.5).ToArray();
        DataTestKit.WriteNpy(dir.File("five.npy"), "<f8", [5, 3, 4, 4], MemoryMarshal.AsBytes(doubles.AsSpan()));

        var source = SampleSources.Open(dir.File("five.npy"), Batched);

        source.CheckFits(Batched);
        Assert.Equal(5, source.Count);
        var third = source.Read(3)["x"];
        Assert.Equal(DataType.Float, third.DataType);
        Assert.Equal([1L, 3, 4, 4], third.Dims);
        Assert.Equal(doubles.Skip(3 * 48).Take(48).Select(d => (float)d), third.ToSingleArray());
    }

    [Fact]
    public void Npy_without_the_batch_dim_is_one_sample()
    {
        using var dir = new TempDir();
        DataTestKit.WriteNpy(dir.File("chw.npy"), DataTestKit.Ramp(48), 3, 4, 4);

        var source = SampleSources.Open(dir.File("chw.npy"), Batched);

        Assert.Equal(1, source.Count);
        Assert.Equal([1L, 3, 4, 4], source.Read(0)["x"].Dims);
    }

    [Fact]
    public void Integer_npy_keeps_its_type()
    {
        using var dir = new TempDir();
        long[] ids = [7, 8, 9, 10, 11, 12];
        DataTestKit.WriteNpy(dir.File("ids.npy"), "<i8", [2, 3], MemoryMarshal.AsBytes(ids.AsSpan()));
        var model = DataTestKit.Model(DataType.Int64, Dim.Symbolic("batch"), 3);

        var source = SampleSources.Open(dir.File("ids.npy"), model);

        source.CheckFits(model);
        Assert.Equal(2, source.Count);
        Assert.Equal([10L, 11, 12], source.Read(1)["x"].ToInt64Array());
    }

    [Fact]
    public void Folder_of_npy_files_is_read_in_name_order()
    {
        using var dir = new TempDir();
        DataTestKit.WriteNpy(dir.File("b.npy"), DataTestKit.Ramp(48, start: 100), 1, 3, 4, 4);
        DataTestKit.WriteNpy(dir.File("a.npy"), DataTestKit.Ramp(96), 2, 3, 4, 4);
        File.WriteAllText(dir.File("README.txt"), "not data");

        var source = SampleSources.Open(dir.Path, Batched);

        Assert.Equal(3, source.Count);
        Assert.Equal(12f, source.Read(1)["x"].ToSingleArray()[0]);
        Assert.Equal(100f, source.Read(2)["x"].ToSingleArray()[0]);
    }

    [Fact]
    public void Npz_feeds_each_input_by_name()
    {
        using var dir = new TempDir();
        var path = dir.File("pairs.npz");
        WriteNpz(path, ("a", DataTestKit.Ramp(8), [4, 2]), ("b", DataTestKit.Ramp(12, start: 50), [4, 3]));
        var model = DataTestKit.TwoInputModel();

        var source = SampleSources.Open(path, model);

        source.CheckFits(model);
        Assert.Equal(4, source.Count);
        var sample = source.Read(2);
        Assert.Equal([1.0f, 1.25f], sample["a"].ToSingleArray());
        Assert.Equal([51.5f, 51.75f, 52f], sample["b"].ToSingleArray());
    }

    [Fact]
    public void Npz_with_one_array_feeds_a_single_input_model_under_any_key()
    {
        using var dir = new TempDir();
        var path = dir.File("data.npz");
        WriteNpz(path, ("arr_0", DataTestKit.Ramp(96), [2, 3, 4, 4]));

        var source = SampleSources.Open(path, Batched);

        Assert.Equal(2, source.Count);
        Assert.Equal(DataTestKit.Ramp(96).Skip(48), source.Read(1)["x"].ToSingleArray());
    }

    [Fact]
    public void Npz_missing_an_input_names_it()
    {
        using var dir = new TempDir();
        var path = dir.File("half.npz");
        WriteNpz(path, ("a", DataTestKit.Ramp(8), [4, 2]));

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, DataTestKit.TwoInputModel()));

        Assert.Contains("half.npz", error.Message, StringComparison.Ordinal);
        Assert.Contains("model input 'b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npz_arrays_with_different_counts_are_rejected()
    {
        using var dir = new TempDir();
        var path = dir.File("uneven.npz");
        WriteNpz(path, ("a", DataTestKit.Ramp(8), [4, 2]), ("b", DataTestKit.Ramp(9), [3, 3]));

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, DataTestKit.TwoInputModel()));

        Assert.Contains("uneven.npz", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds 3 samples", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pb_tensor_files_split_like_npy()
    {
        using var dir = new TempDir();
        var values = DataTestKit.Ramp(3 * 48);
        OnnxTensorFile.Save(Tensor.Create<float>("whatever", values, 3, 3, 4, 4), dir.File("three.pb"));
        OnnxTensorFile.Save(Tensor.Create<float>("whatever", DataTestKit.Ramp(48, start: -5), 1, 3, 4, 4), dir.File("zz.pb"));

        var single = SampleSources.Open(dir.File("three.pb"), Batched);
        var folder = SampleSources.Open(dir.Path, Batched);

        Assert.Equal(3, single.Count);
        Assert.Equal(values.Skip(96), single.Read(2)["x"].ToSingleArray());
        Assert.Equal(4, folder.Count);
        folder.CheckFits(Batched);
        Assert.Equal(-5f, folder.Read(3)["x"].ToSingleArray()[0]);
    }

    [Fact]
    public void Onnx_test_data_sets_feed_every_input_of_a_conformance_model()
    {
        var modelDir = Path.Combine(Fixtures.OnnxTestData, "node", "test_add");
        var model = Model.Load(Path.Combine(modelDir, "model.onnx"));
        var inputs = model.Graph.Inputs.Where(v => !v.IsInitializer).ToList();

        var source = SampleSources.Open(modelDir, model);

        source.CheckFits(model);
        Assert.Equal(Directory.GetDirectories(modelDir, "test_data_set_*").Length, source.Count);
        var sample = source.Read(0);
        for (var k = 0; k < inputs.Count; k++)
        {
            var expected = OnnxTensorFile.Load(Path.Combine(modelDir, "test_data_set_0", $"input_{k}.pb"));
            Assert.Equal(expected.ToSingleArray(), sample[inputs[k].Name].ToSingleArray());
        }

        // Fed to ONNX Runtime, the sample reproduces the suite's expected output.
        using var session = SessionFactory.Create(model);
        using var runOptions = new RunOptions();
        var feeds = inputs.Select(v => OrtTensors.ToOrtValue(sample[v.Name])).ToArray();
        float[] output;
        try
        {
            using var results = session.Run(runOptions, [.. inputs.Select(v => v.Name)], feeds, session.OutputNames);
            output = OrtTensors.ToTensor(results[0]).ToSingleArray();
        }
        finally
        {
            foreach (var feed in feeds) feed.Dispose();
        }
        var reference = OnnxTensorFile.Load(Path.Combine(modelDir, "test_data_set_0", "output_0.pb")).ToSingleArray();
        Assert.Equal(reference.Length, output.Length);
        for (var i = 0; i < output.Length; i++) Assert.Equal(reference[i], output[i], 1e-6f);
    }

    [Fact]
    public void A_single_test_data_set_folder_is_one_sample_without_its_outputs()
    {
        var modelDir = Path.Combine(Fixtures.OnnxTestData, "node", "test_add");
        var model = Model.Load(Path.Combine(modelDir, "model.onnx"));

        var source = SampleSources.Open(Path.Combine(modelDir, "test_data_set_0"), model);

        source.CheckFits(model);
        Assert.Equal(1, source.Count);
        Assert.Equal(2, source.Read(0).Count);
    }

    [Fact]
    public void Fortran_order_npy_is_rejected_naming_the_file()
    {
        using var dir = new TempDir();
        DataTestKit.WriteNpy(dir.File("fortran.npy"), "<f4", [1, 3, 4, 4], MemoryMarshal.AsBytes(DataTestKit.Ramp(48).AsSpan()), fortran: true);

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("fortran.npy"), Batched));

        Assert.Contains("fortran.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fortran order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_npy_header_names_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("junk.npy"), "this is not numpy");

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("junk.npy"), Batched));

        Assert.Contains("junk.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a NumPy .npy file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_npy_dtype_names_it()
    {
        using var dir = new TempDir();
        DataTestKit.WriteNpy(dir.File("complex.npy"), "<c8", [1, 3, 4, 4], new byte[48 * 8]);

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("complex.npy"), Batched));

        Assert.Contains("complex.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains("'<c8'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_that_fits_neither_one_nor_n_samples_says_expected_and_got()
    {
        using var dir = new TempDir();
        DataTestKit.WriteNpy(dir.File("wrong.npy"), DataTestKit.Ramp(100), 5, 4, 5);

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("wrong.npy"), Batched));

        Assert.Contains("wrong.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains("input 'x' expects [1,3,4,4] (one sample) or [N,3,4,4] (N samples), got [5,4,5]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_mixed_folders_and_missing_paths_are_named()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("empty"));
        File.WriteAllText(dir.File("empty/notes.txt"), "nothing");
        Directory.CreateDirectory(dir.File("mixed"));
        DataTestKit.WriteNpy(dir.File("mixed/a.npy"), DataTestKit.Ramp(48), 1, 3, 4, 4);
        DataTestKit.WriteSolid(dir.File("mixed/b.png"), SkiaSharp.SKColors.Gray, 4, 4, SkiaSharp.SKEncodedImageFormat.Png);
        File.WriteAllText(dir.File("data.csv"), "1,2,3");

        var empty = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("empty"), Batched));
        var mixed = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("mixed"), Batched));
        var missing = Assert.Throws<FileNotFoundException>(() => SampleSources.Open(dir.File("nowhere"), Batched));
        var unknown = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("data.csv"), Batched));

        Assert.Contains($"no images or tensors in {dir.File("empty")}", empty.Message, StringComparison.Ordinal);
        Assert.Contains("mixes", mixed.Message, StringComparison.Ordinal);
        Assert.Contains("1 images", mixed.Message, StringComparison.Ordinal);
        Assert.Contains("1 .npy", mixed.Message, StringComparison.Ordinal);
        Assert.Contains($"'{dir.File("nowhere")}' does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("data.csv", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_for_a_two_input_model_points_to_npz()
    {
        using var dir = new TempDir();
        DataTestKit.WriteNpy(dir.File("a.npy"), DataTestKit.Ramp(2), 1, 2);

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.File("a.npy"), DataTestKit.TwoInputModel()));

        Assert.Contains("2 inputs (a, b)", error.Message, StringComparison.Ordinal);
    }

    private static void WriteNpz(string path, params (string Key, float[] Values, long[] Shape)[] arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (key, values, shape) in arrays)
        {
            using var stream = zip.CreateEntry(key + ".npy").Open();
            stream.Write(DataTestKit.NpyBytes("<f4", shape, MemoryMarshal.AsBytes(values.AsSpan())));
        }
    }
}
