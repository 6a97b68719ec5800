using System.Buffers.Binary;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// PyTorch, Keras and TensorFlow files handed over as models: one line naming the exporter that makes ONNX of them
/// (torch.onnx.export, tf2onnx), from every entry point, found from names and headers without extracting anything.
/// The catalogue cases (MalformedModels) cover Model.Load and <c>edgeopt inspect</c>; these the rest.
/// </summary>
public class FrameworkFileGuidanceTests
{
    [Fact]
    public void Convert_of_a_keras_file_exits_2_with_the_tf2onnx_command_and_writes_nothing()
    {
        using var dir = new TempDir();
        var keras = dir.File("model.keras");
        File.WriteAllBytes(keras, MalformedModels.KerasZip());
        var before = FolderSnapshot.Take(dir.Path);

        var (code, stdout, stderr) = CliHarness.Run("convert", keras, "-o", dir.File("out.onnx"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: model.keras is a Keras model", line, StringComparison.Ordinal);
        Assert.Contains("python -m tf2onnx.convert --keras model.keras --output model.onnx", line, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void Convert_of_a_saved_model_folder_exits_2_naming_tf2onnx_saved_model()
    {
        using var dir = new TempDir();
        var folder = Directory.CreateDirectory(dir.File("exported")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "saved_model.pb"), [0x08, 0x01]);
        var before = FolderSnapshot.Take(dir.Path);

        var (code, _, stderr) = CliHarness.Run("convert", folder, "-o", dir.File("out.onnx"));

        Assert.Equal(ExitCodes.Usage, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("TensorFlow SavedModel", line, StringComparison.Ordinal);
        Assert.Contains($"python -m tf2onnx.convert --saved-model {folder} --output model.onnx", line, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    public static TheoryData<string, string> SessionCases => new()
    {
        { "model.keras", "tf2onnx.convert --keras" },
        { "model.h5", "tf2onnx.convert --keras" },
        { "resnet.pt", "torch.onnx.export(model, torch.randn(" },
        { "frozen.pb", "tf2onnx.convert --graphdef" },
        { "saved_model.pb", "tf2onnx.convert --saved-model" },
    };

    [Theory]
    [MemberData(nameof(SessionCases))]
    public void SessionFactory_refuses_the_file_with_the_same_guidance(string fileName, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File(fileName);
        File.WriteAllBytes(path, fileName switch
        {
            "model.keras" => MalformedModels.KerasZip(),
            "model.h5" => MalformedModels.Hdf5(),
            "resnet.pt" => MalformedModels.Zip(("archive/data.pkl", [0x80, 0x02, (byte)'}', (byte)'.']), ("archive/version", "3\n"u8.ToArray())),
            "frozen.pb" => MalformedModels.FrozenGraph(),
            _ => [0x08, 0x01],
        });

        var e = Assert.Throws<ModelFormatException>(() => SessionFactory.Create(path).Dispose());

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void SessionFactory_on_a_saved_model_folder_names_tf2onnx_instead_of_file_not_found()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("saved_model.pb"), [0x08, 0x01]);

        var e = Assert.Throws<ModelFormatException>(() => SessionFactory.Create(dir.Path).Dispose());

        Assert.Contains("--saved-model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_parse_reads_a_keras_zip_s_entry_names_from_the_bytes()
    {
        var e = Assert.Throws<ModelFormatException>(() => Model.Parse(MalformedModels.KerasZip()).Dispose());

        Assert.StartsWith("<memory> is a Keras model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip_whose_central_directory_is_cut_off_is_still_read_from_its_local_headers()
    {
        var zip = MalformedModels.KerasZip();
        var directoryOffset = BinaryPrimitives.ReadInt32LittleEndian(zip.AsSpan(zip.Length - 6));

        var message = FormatSniffer.DescribeBytes(zip[..directoryOffset], "model.keras");

        Assert.StartsWith("model.keras is a Keras model", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip64_end_record_leads_to_the_central_directory()
    {
        var zip64 = ToZip64(MalformedModels.KerasZip());
        // The local headers alone would find the entries too: break them, so only the zip64 record can.
        zip64[0] = (byte)'X';

        var names = FormatSniffer.ZipEntryNames(zip64.Length, (offset, buffer) =>
        {
            var n = (int)Math.Min(buffer.Length, zip64.Length - offset);
            zip64.AsSpan((int)offset, n).CopyTo(buffer);
            return n;
        });

        Assert.Equal(["config.json", "metadata.json", "model.weights.h5"], names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keras_entry_names_in_a_subfolder_do_not_make_a_zip_a_keras_model()
    {
        var zip = MalformedModels.Zip(("backup/config.json", "{}"u8.ToArray()), ("backup/model.weights.h5", MalformedModels.Hdf5()));

        var message = FormatSniffer.DescribeBytes(zip, "backup.zip");

        Assert.StartsWith("backup.zip is a zip archive", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_file_that_starts_like_a_graphdef_is_not_called_one()
    {
        // TensorProto dims [10, 1, 5, 18] packed (field 1, length-delimited) look like a GraphDef's first node to a loose check.
        byte[] tensor = [0x0A, 0x04, 0x0A, 0x01, 0x05, 0x12, 0x10, 0x01, 0x4A, 0x00];

        Assert.Null(FormatSniffer.Describe(tensor, "input_0.pb"));
        Assert.Null(FormatSniffer.DescribeBytes(tensor, "model.onnx"));
    }

    [Fact]
    public void A_tflite_file_read_as_a_tensor_says_what_it_is()
    {
        using var dir = new TempDir();
        var path = dir.File("input_0.pb");
        File.WriteAllBytes(path, Tflite.TfliteSamples.Add().Build());

        var e = Assert.Throws<ModelFormatException>(() => OnnxTensorFile.Load(path));

        Assert.Equal("input_0.pb is a TensorFlow Lite model (TFL3), not a serialized ONNX tensor", e.Message);
    }

    /// <summary>The same zip with a zip64 end record and locator before an end record whose offset and size say 0xFFFFFFFF.</summary>
    private static byte[] ToZip64(byte[] zip)
    {
        var end = zip.Length - 22; // .NET writes no archive comment
        var directorySize = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 12));
        var directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));
        var entries = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 10));
        var output = new List<byte>(zip[..end]);
        var record = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 0x06064B50);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), 44);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(24), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(32), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(40), directorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(48), directoryOffset);
        var recordAt = output.Count;
        output.AddRange(record);
        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064B50);
        BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)recordAt);
        BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
        output.AddRange(locator);
        var eocd = zip[end..];
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd.AsSpan(10), 0xFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd.AsSpan(12), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd.AsSpan(16), 0xFFFFFFFF);
        output.AddRange(eocd);
        return [.. output];
    }
}
