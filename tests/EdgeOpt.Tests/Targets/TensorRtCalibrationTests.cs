using System.Text;
using EdgeOpt.Quantization;
using EdgeOpt.Targets.TensorRt;

namespace EdgeOpt.Tests.Targets;

/// <summary>Both INT8 calibration caches for TensorRT, written from a quantization plan and read back.</summary>
public class TensorRtCalibrationTests
{
    private static QuantizationPlan Plan() => new()
    {
        ActivationType = QuantizedPrecision.Int8,
        SymmetricActivations = true,
        Tensors =
        [
            Activation("input", -2.5f, 2.0f),
            Activation("conv1/out", 0f, 6.0f),
            Activation("relu:0", -127f, 1f),
            Activation("zeros", 0f, 0f),
            Activation("ünïcode", -0.001f, 0.0005f),
            Activation("\U0001F600 emoji", 3f, 4f),
            Activation("\uFF21 fullwidth", 1f, 2f),
            // Not activations with a per-tensor range: left to TensorRT.
            new TensorQuantization("conv1.weight", QuantizedPrecision.Int8, [0.1f, 0.2f], [0, 0], Axis: 0),
            new TensorQuantization("conv1.bias", QuantizedPrecision.Int32, [0.01f], [0]),
            new TensorQuantization("head", QuantizedPrecision.Float, [], [], Reason: "excluded"),
        ],
    };

    private static TensorQuantization Activation(string name, float min, float max)
    {
        var absMax = Math.Max(-min, max);
        return new TensorQuantization(name, QuantizedPrecision.Int8, [absMax > 0 ? absMax / 127f : 1f], [0], Min: min, Max: max);
    }

    [Fact]
    public void Ranges_are_the_largest_magnitude_of_each_activation_and_leave_weights_biases_and_float_tensors_out()
    {
        var ranges = CalibrationRanges.From(Plan());

        Assert.Equal(7, ranges.Count);
        Assert.Equal(2.5f, ranges["input"]);
        Assert.Equal(6f, ranges["conv1/out"]);
        Assert.Equal(127f, ranges["relu:0"]);
        Assert.Equal(127f, ranges["zeros"]); // scale 1 × 127, as the QDQ model has it
        Assert.DoesNotContain("conv1.weight", ranges.Keys);
        Assert.DoesNotContain("conv1.bias", ranges.Keys);
        Assert.DoesNotContain("head", ranges.Keys);
    }

    [Fact]
    public void The_native_cache_writes_the_scale_bits_big_endian_hex_under_a_TensorRT_header()
    {
        Assert.Equal("3f800000", NativeCalibrationCache.Hex(1f));
        Assert.Equal("40000000", NativeCalibrationCache.Hex(2f));
        Assert.Equal("TRT-100300-EntropyCalibration2", NativeCalibrationCache.Header);
        Assert.Equal(8601, NativeCalibrationCache.VersionNumber(new Version(8, 6, 1)));
        Assert.Equal(100300, NativeCalibrationCache.VersionNumber(new Version(10, 3, 0)));

        var text = NativeCalibrationCache.Write(new Dictionary<string, float> { ["b"] = 254f, ["a"] = 127f });

        Assert.Equal("TRT-100300-EntropyCalibration2\na: 3f800000\nb: 40000000\n", text);
    }

    [Fact]
    public void Both_caches_written_from_a_plan_read_back_to_its_ranges()
    {
        var ranges = CalibrationRanges.From(Plan());

        var (header, native) = NativeCalibrationCache.Read(NativeCalibrationCache.Write(ranges));
        var table = OrtCalibrationTable.Read(OrtCalibrationTable.Write(ranges));

        Assert.Equal(NativeCalibrationCache.Header, header);
        Assert.Equal(ranges.Count, native.Count);
        Assert.Equal(ranges.Count, table.Count);
        foreach (var (name, range) in ranges)
        {
            // The native cache holds range / 127 in float: one rounding there and one back.
            Assert.True(Math.Abs(native[name] - range) <= range * 2e-7, $"{name}: native {native[name]} vs {range}");
            // ORT's table holds the decimal string of the float, which parses back exactly.
            Assert.Equal(range, table.Single(p => p.Key == name).Value);
        }
    }

    [Fact]
    public void The_FlatBuffers_table_keeps_keys_in_UTF8_byte_order_for_its_key_lookup()
    {
        var table = OrtCalibrationTable.Read(OrtCalibrationTable.Write(CalibrationRanges.From(Plan())));
        var keys = table.Select(p => Encoding.UTF8.GetBytes(p.Key)).ToList();

        for (var i = 1; i < keys.Count; i++) Assert.True(keys[i - 1].AsSpan().SequenceCompareTo(keys[i]) < 0, $"key {i} out of order");
        // UTF-16 ordinal order would put the emoji (a surrogate pair) before U+FF21; strcmp on UTF-8 puts it after.
        Assert.True(table.FindIndex(p => p.Key.StartsWith('\uFF21')) < table.FindIndex(p => p.Key.StartsWith("\U0001F600", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_FlatBuffers_layout_is_the_schemas_root_table_with_strings_ORT_parses_with_stof()
    {
        var bytes = OrtCalibrationTable.Write(new Dictionary<string, float> { ["x"] = 2.008338f });

        // Root uoffset → TrtTable whose vtable has one field (dict); the value is the float's shortest decimal.
        var root = BitConverter.ToInt32(bytes, 0);
        var vtable = root - BitConverter.ToInt32(bytes, root);
        Assert.Equal(6, BitConverter.ToUInt16(bytes, vtable));
        Assert.Equal(0, bytes.Length % 4);
        Assert.Contains("2.008338", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(OrtCalibrationTable.Write(new Dictionary<string, float> { ["x"] = 2.008338f }), bytes);
    }

    [Fact]
    public void Damaged_caches_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => NativeCalibrationCache.Read("not a cache\nx: 3f800000\n"));
        Assert.Throws<InvalidDataException>(() => NativeCalibrationCache.Read("TRT-100300-EntropyCalibration2\nx 3f800000\n"));
        var bytes = OrtCalibrationTable.Write(new Dictionary<string, float> { ["x"] = 1f });
        Assert.Throws<InvalidDataException>(() => OrtCalibrationTable.Read(bytes.AsSpan(0, bytes.Length - 8)));
    }

    [Fact]
    public void Two_four_sparsity_needs_at_most_two_non_zeros_in_every_group_of_four_input_channels()
    {
        // W [K=2, C=8, 1, 1]: groups {0..3} and {4..7} per output channel.
        float[] sparse = [1, 0, 2, 0, 0, 0, 3, 4, /**/ 0, 5, 0, 6, 7, 0, 0, 0];
        float[] dense = [1, 1, 1, 0, 0, 0, 3, 4, /**/ 0, 5, 0, 6, 7, 0, 0, 0];
        Assert.True(SparsityDetector.IsTwoFour(sparse, [2, 8, 1, 1], 1));
        Assert.False(SparsityDetector.IsTwoFour(dense, [2, 8, 1, 1], 1));
        // A partial last group counts as padded with zeros: 6 channels, the last two may both be non-zero.
        Assert.True(SparsityDetector.IsTwoFour([1, 0, 0, 2, 3, 4], [1, 6], 1));
    }
}
