using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Onnx;

/// <summary>
/// A model whose weights total just over 2 GiB (four float[131200,1024] initializers, 2.15 GB) goes through save,
/// load, ToBytes and ONNX Runtime. The weights are ranges of a sparse file, so building it costs no memory and
/// almost no disk; only sampled rows hold data, the rest reads as zeros.
/// </summary>
public sealed class LargeModelTests(LargeModelTests.BigModel big) : IClassFixture<LargeModelTests.BigModel>
{
    private const long TwoGiB = 1L << 31;

    [Fact]
    public void Save_moves_weights_to_external_data_without_buffering_them()
    {
        Assert.True(new FileInfo(big.SavedPath).Length < 64 * 1024, $"graph file is {new FileInfo(big.SavedPath).Length} bytes; weights should be external");
        var data = new FileInfo(big.SavedPath + ".data");
        Assert.True(data.Exists, "external data file big.onnx.data was not written");
        Assert.True(data.Length > TwoGiB, $"external data file is {data.Length} bytes, expected over 2 GiB");
        Assert.True(big.SaveAllocatedBytes < 64_000_000, $"Save allocated {big.SaveAllocatedBytes} managed bytes; it must stream the weights, not buffer them");
    }

    [Fact]
    public void Load_keeps_weights_in_the_data_file_and_sampled_rows_survive()
    {
        using var loaded = Model.Load(big.SavedPath);
        Assert.Equal(BigModel.WeightCount, loaded.Graph.Initializers.Count);
        foreach (var value in loaded.Graph.Initializers)
        {
            var tensor = value.Initializer!;
            Assert.True(tensor.Data!.IsFileBacked, $"{tensor.Name} was read into memory on load");
            Assert.Equal("big.onnx.data", tensor.External?.Location);
            Assert.Equal(BigModel.Rows * BigModel.Columns * sizeof(float), tensor.ByteLength);
        }
        for (var w = 0; w < BigModel.WeightCount; w++)
        {
            var bytes = loaded.Graph.Initializers[w].Initializer!.RawBytes;
            foreach (var row in BigModel.SampledRows)
                Assert.Equal(BigModel.RowValues(w, row), Row(bytes, row).ToArray());
            Assert.True(Row(bytes, 1).IndexOfAnyExcept(0f) < 0, $"row 1 of w{w} should read back as zeros");
        }
    }

    [Fact]
    public void ToBytes_refuses_a_model_over_2GiB_with_a_clear_message()
    {
        var built = Assert.Throws<UsageException>(() => big.Model.ToBytes());
        Assert.Contains("2 GiB", built.Message, StringComparison.Ordinal);
        Assert.Contains("external data", built.Message, StringComparison.Ordinal);

        using var loaded = Model.Load(big.SavedPath);
        var reloaded = Assert.Throws<UsageException>(() => loaded.ToBytes());
        Assert.Contains("2 GiB", reloaded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_serialized_size_above_2GiB_is_exact_and_reads_no_weights()
    {
        using var loaded = Model.Load(big.SavedPath);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var size = loaded.CalculateSerializedSize();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.True(size > TwoGiB, $"inline size {size} should be over 2 GiB");
        Assert.True(allocated < 1_000_000, $"measuring allocated {allocated} managed bytes; it must not touch the weights");
        Assert.Equal(size, big.Model.CalculateSerializedSize());
        // The real encoder's bytes, streamed and counted (no protobuf reader accepts them above 2 GiB).
        using var counter = new CountingStream();
        EdgeOpt.Onnx.Serialization.OnnxWriter.WriteInline(loaded, counter);
        Assert.Equal(counter.Length, size);
    }

    [Fact]
    public void Onnx_runtime_gathers_the_sampled_rows_from_the_saved_model()
    {
        long[] rows = [.. BigModel.SampledRows];
        using var session = new InferenceSession(big.SavedPath);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("rows", new DenseTensor<long>(rows, [rows.Length]))]);
        var output = results.First().AsTensor<float>().ToArray();

        Assert.Equal(rows.Length * BigModel.Columns, output.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            var expected = new float[BigModel.Columns];
            for (var w = 0; w < BigModel.WeightCount; w++)
            {
                var values = BigModel.RowValues(w, rows[i]);
                for (var c = 0; c < expected.Length; c++) expected[c] += values[c];
            }
            for (var c = 0; c < expected.Length; c++)
                Assert.True(Math.Abs(expected[c] - output[i * BigModel.Columns + c]) <= 1e-3f,
                    $"row {rows[i]} column {c}: expected {expected[c]}, ONNX Runtime gave {output[i * BigModel.Columns + c]}");
        }
    }

    private static ReadOnlySpan<float> Row(ReadOnlySpan<byte> bytes, long row) =>
        MemoryMarshal.Cast<byte, float>(bytes.Slice(checked((int)(row * BigModel.Columns * sizeof(float))), BigModel.Columns * sizeof(float)));

    /// <summary>A write-only stream that counts the bytes and keeps none (never reads the spans it is given).</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>
    /// Builds the model once per class over a sparse weight file and saves it with default options: y = Sum_w Gather(w, rows).
    /// </summary>
    public sealed class BigModel : IDisposable
    {
        public const int WeightCount = 4;
        public const long Rows = 131_200;
        public const int Columns = 1024;
        public static readonly long[] SampledRows = [0, 65_537, Rows - 1];

        private readonly TempDir _dir = new();
        private readonly ExternalDataStore _weights = new();

        public BigModel()
        {
            var sourceFolder = Directory.CreateDirectory(_dir.File("source")).FullName;
            var source = Path.Combine(sourceFolder, "weights.bin");
            const long bytesPerWeight = Rows * Columns * sizeof(float);
            using (var file = new FileStream(source, FileMode.CreateNew, FileAccess.Write))
            {
                file.SetLength(WeightCount * bytesPerWeight); // sparse: unwritten ranges take no disk and read as zeros
                for (var w = 0; w < WeightCount; w++)
                    foreach (var row in SampledRows)
                    {
                        file.Position = w * bytesPerWeight + row * Columns * sizeof(float);
                        file.Write(MemoryMarshal.AsBytes(RowValues(w, row).AsSpan()));
                    }
            }

            var b = new GraphBuilder("big", opset: 17);
            var rows = b.Input("rows", DataType.Int64, SampledRows.Length);
            var gathered = new Value?[WeightCount];
            for (var w = 0; w < WeightCount; w++)
            {
                // No public factory makes a tensor over a file range, so the reader's external-data types do it here.
                var info = new ExternalDataInfo("weights.bin", source, w * bytesPerWeight, bytesPerWeight, Checksum: null);
                var weight = b.Initializer(Tensor.FromData($"w{w}", DataType.Float, [Rows, Columns], new ExternalTensorData(_weights, info)));
                gathered[w] = b.Op("Gather", [weight, rows], ("axis", 0L));
            }
            b.Output(b.Op("Sum", gathered), "y", new TensorType(DataType.Float, new TensorShape(SampledRows.Length, Columns)));
            Model = b.Build();

            SavedPath = _dir.File("big.onnx");
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            Model.Save(SavedPath);
            SaveAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        }

        public Model Model { get; }
        public string SavedPath { get; }
        public long SaveAllocatedBytes { get; }

        /// <summary>The values written to a sampled row: distinct per weight, row and column, exact in float.</summary>
        public static float[] RowValues(int weight, long row)
        {
            var values = new float[Columns];
            for (var c = 0; c < Columns; c++) values[c] = weight * 1000 + row % 997 + c / 1024f;
            return values;
        }

        public void Dispose()
        {
            Model.Dispose();
            _weights.Dispose();
            _dir.Dispose();
        }
    }
}
