using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Data;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// What coverage-guided fuzzing found in the data-file readers (.npy, .npz, .pb), each as its minimal input
/// (docs/reliability.md, "Coverage-guided fuzzing"): every one is now a one-line <see cref="DataFormatException"/> or
/// <see cref="ModelFormatException"/>, and none allocates what a few header bytes claim.
/// </summary>
public sealed class DataFileFuzzFindingTests : IDisposable
{
    /// <summary>What reading a refused file may allocate at most; the inputs below claim hundreds of megabytes.</summary>
    private const long AllocationBudget = 16 * 1024 * 1024;

    private static readonly Model Batched = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), 2);

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("{'descr': '<f4',\n'shape': (2, 2), }", "\\n")] // a header without fortran_order
    [InlineData("{'descr': '<f\u00014', 'fortran_order': False, 'shape': (2, 2), }", "\\u0001")] // a dtype of no kind
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,\r x), }", "\\r")] // a shape of no numbers
    public void Npy_header_text_with_line_breaks_is_shown_escaped_on_one_line(string header, string escaped)
    {
        var path = Write("x.npy", Npy(header, new byte[16]));

        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, Batched));

        AssertOneLine(e);
        Assert.Contains(escaped, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)] // shorter than the two bytes read with the 10-byte 1.0 prefix: was ArgumentException
    [InlineData(1)]
    public void Npy_header_shorter_than_the_bytes_read_with_the_prefix_is_a_bad_header(byte length)
    {
        var path = Write("x.npy", [0x93, .. "NUMPY"u8, 1, 0, length, 0, .. "{}"u8]);

        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, Batched));

        Assert.Contains("bad .npy header", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_2_0_header_length_over_2_GiB_is_refused_as_implausibly_large()
    {
        // Was an OverflowException from the checked cast of the uint32 length.
        var path = Write("x.npy", [0x93, .. "NUMPY"u8, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF, .. new byte[32]]);

        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, Batched));

        Assert.Contains("4294967295 bytes is implausibly large", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_shape_claiming_more_than_the_file_holds_is_refused_before_the_payload_is_allocated()
    {
        // 400 MB claimed by a 128-byte file: the reader allocated the sample before finding the file short.
        var path = Write("x.npy", DataTestKit.NpyBytes("<f4", [1, 100_000_000], []));
        var model = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), Dim.Unknown);
        var source = SampleSources.Open(path, model);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => source.Read(0));

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBudget);
        Assert.Contains("cut short", e.Message, StringComparison.Ordinal);
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<DataFormatException>(() => LabelFile.Load(Write("labels.npy", DataTestKit.NpyBytes("<i8", [100_000_000], []))));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBudget);
    }

    [Fact]
    public void Npy_shape_whose_byte_count_overflows_64_bits_is_refused()
    {
        var path = Write("x.npy", DataTestKit.NpyBytes("<f4", [4_611_686_018_427_387_904, 4], []));

        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, Batched));

        Assert.Contains("overflows a 64-bit byte count", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local-header", "local file header is corrupt")]
    [InlineData("compression-method", "unsupported compression method")]
    public void Npz_with_a_corrupt_entry_is_a_DataFormatException_naming_the_file(string corruption, string reason)
    {
        var zip = Npz(CompressionLevel.NoCompression, ("x.npy", DataTestKit.NpyBytes("<f4", [3, 2], new byte[24])));
        if (corruption == "local-header") zip.AsSpan(0, 4).Clear(); // the entry's local header signature (PK\x03\x04)
        else BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(zip.AsSpan().IndexOf("PK\x01\x02"u8) + 10), 99); // central directory: method 99
        var path = Write("x.npz", zip);

        // Was InvalidDataException, when opening or on the first read.
        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, Batched).Read(0));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid .npz", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.OrdinalIgnoreCase);
        AssertOneLine(e);
    }

    [Fact]
    public void Npz_with_two_arrays_of_one_name_is_refused_naming_it()
    {
        var array = DataTestKit.NpyBytes("<f4", [3, 2], new byte[24]);
        var path = Write("x.npz", Npz(CompressionLevel.NoCompression, ("x.npy", array), ("x.npy", array)));

        // Was ArgumentException (a duplicate dictionary key).
        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, Batched));

        Assert.Contains("two arrays named 'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npz_array_with_an_upper_case_extension_is_read()
    {
        // The entry was found as "x.NPY" but looked up again as "x.npy": a NullReferenceException on the first read.
        var values = DataTestKit.Ramp(6);
        var path = Write("x.npz", Npz(CompressionLevel.Optimal, ("x.NPY", DataTestKit.NpyBytes("<f4", [3, 2], MemoryMarshal.AsBytes(values.AsSpan())))));

        var source = SampleSources.Open(path, Batched);

        Assert.Equal(3, source.Count);
        Assert.Equal(values[2..4], source.Read(1)["x"].ToSingleArray());
    }

    [Fact]
    public void Npz_entry_that_inflates_past_its_array_is_read_only_as_far_as_the_header_says()
    {
        // 64 MiB of zeros after a 2x2 array deflate to a few tens of KiB; the whole entry was decompressed into memory.
        var array = DataTestKit.NpyBytes("<f4", [2, 2], MemoryMarshal.AsBytes(DataTestKit.Ramp(4).AsSpan()));
        var path = Write("x.npz", Npz(CompressionLevel.Optimal, ("x.npy", [.. array, .. new byte[64 * 1024 * 1024]])));
        var source = SampleSources.Open(path, Batched);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var second = source.Read(1)["x"].ToSingleArray();

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBudget);
        Assert.Equal(DataTestKit.Ramp(4)[2..], second);
    }

    [Fact]
    public void Tensor_file_with_a_line_break_in_its_name_fails_on_one_line()
    {
        // TensorProto: dims [4], data_type float, name "w\nerror: forged", raw_data of 3 bytes.
        byte[] proto = [0x08, 4, 0x10, 1, 0x42, 15, .. "w\nerror: forged"u8, 0x4A, 3, 1, 2, 3];

        var e = Assert.Throws<ModelFormatException>(() => OnnxTensorFile.Parse(proto));

        AssertOneLine(e);
        Assert.Contains("tensor 'w\\nerror: forged'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sequence_file_with_a_line_break_in_its_name_fails_on_one_line()
    {
        // SequenceProto: name "s\nerror: forged", elem_type 99.
        byte[] proto = [0x0A, 15, .. "s\nerror: forged"u8, 0x10, 99];

        var e = Assert.Throws<ModelFormatException>(() => OnnxTensorFile.ParseValue(proto, new SequenceType(null)));

        AssertOneLine(e);
        Assert.Contains("'s\\nerror: forged' has unknown elem_type 99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensor_file_whose_dims_claim_more_than_its_values_is_refused_before_the_payload_is_allocated()
    {
        // TensorProto: dims [134217728] (1 GiB of int64), data_type int64, one int64_data value. Was an allocation of
        // the full 1 GiB before counting the values (an OutOfMemoryException under a heap limit).
        byte[] proto = [0x08, 0x80, 0x80, 0x80, 0x40, 0x10, 7, 0x38, 5];

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFormatException>(() => OnnxTensorFile.Parse(proto));

        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBudget);
        Assert.Contains("holds 1 values but int64 dims need 134217728", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_with_a_zero_dim_and_billions_of_samples_is_refused_as_holding_none()
    {
        // [3e9, 0] in an 80-byte header: was an OverflowException casting the sample count to int.
        var model = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), Dim.Unknown);
        var path = Write("x.npy", DataTestKit.NpyBytes("<f4", [3_000_000_000, 0], []));

        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(path, model));

        AssertOneLine(e);
        Assert.Contains("holds no samples (a dim of 0)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_header_claiming_billions_of_samples_opens_without_allocating_per_sample_and_fails_on_read()
    {
        var model = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), Dim.Unknown);
        var many = Write("many.npy", DataTestKit.NpyBytes("<f4", [2_000_000_000, 1], []));
        var tooMany = Write("too-many.npy", DataTestKit.NpyBytes("<f4", [3_000_000_000, 1], []));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var source = SampleSources.Open(many, model);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBudget);
        Assert.Equal(2_000_000_000, source.Count);
        var cut = Assert.Throws<DataFormatException>(() => source.Read(1_999_999_999));
        Assert.Contains("cut short", cut.Message, StringComparison.Ordinal);

        var e = Assert.Throws<DataFormatException>(() => SampleSources.Open(tooMany, model));
        AssertOneLine(e);
        Assert.Contains("3000000000 samples in one array", e.Message, StringComparison.Ordinal);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>An .npy 1.0 file with <paramref name="header"/> as its (unpadded) header text.</summary>
    private static byte[] Npy(string header, byte[] payload)
    {
        var text = Encoding.Latin1.GetBytes(header);
        return [0x93, .. "NUMPY"u8, 1, 0, (byte)(text.Length & 0xFF), (byte)(text.Length >> 8), .. text, .. payload];
    }

    private static byte[] Npz(CompressionLevel level, params (string Name, byte[] Bytes)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var s = zip.CreateEntry(name, level).Open();
                s.Write(bytes);
            }
        }
        return stream.ToArray();
    }

    private static void AssertOneLine(Exception e)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.DoesNotContain('\u2028', e.Message);
    }
}
