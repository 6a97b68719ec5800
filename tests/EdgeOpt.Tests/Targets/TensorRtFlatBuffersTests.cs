using Google.FlatBuffers;
using EdgeOpt.Quantization;
using EdgeOpt.Targets.TensorRt;

namespace EdgeOpt.Tests.Targets;

/// <summary>
/// The hand-written calibration.flatbuffers against FlatBuffers' own C# runtime: its verifier accepts the bytes with the
/// schema of ORT's ort_trt_int8_cal_table.fbs.h (TrtTable.dict required-key KeyValue tables), its accessors read the
/// same entries, and our reader reads a table the official builder wrote.
/// </summary>
public class TensorRtFlatBuffersTests
{
    private const short DictField = 4, KeyField = 4, ValueField = 6;

    private static readonly SortedDictionary<string, float> Ranges = new(Utf8Order.Instance)
    {
        ["input"] = 2.5f, ["conv1/out"] = 6f, ["relu:0"] = 0.0123f, ["ünïcode"] = 1e-5f, ["\U0001F600"] = 3e7f,
    };

    private static bool VerifyKeyValue(Verifier verifier, uint table) =>
        verifier.VerifyTableStart(table) && verifier.VerifyString(table, KeyField, true) && verifier.VerifyString(table, ValueField, false) && verifier.VerifyTableEnd(table);

    private static bool VerifyTrtTable(Verifier verifier, uint table) =>
        verifier.VerifyTableStart(table) && verifier.VerifyVectorOfTables(table, DictField, VerifyKeyValue, false) && verifier.VerifyTableEnd(table);

    [Fact]
    public void FlatBuffers_verifier_accepts_the_table_and_its_accessors_read_the_ranges_in_key_order()
    {
        var bytes = OrtCalibrationTable.Write(Ranges);
        var buffer = new ByteBuffer(bytes);

        Assert.True(new Verifier(buffer).VerifyBuffer(null, false, VerifyTrtTable));
        var root = new Table(buffer.GetInt(buffer.Position) + buffer.Position, buffer);
        var dict = root.__offset(DictField);
        var entries = Enumerable.Range(0, root.__vector_len(dict)).Select(i =>
        {
            var pair = new Table(root.__indirect(root.__vector(dict) + (i * 4)), buffer);
            return (Key: pair.__string(pair.bb_pos + pair.__offset(KeyField)), Value: float.Parse(pair.__string(pair.bb_pos + pair.__offset(ValueField)), System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();
        Assert.Equal(Ranges.Select(r => (r.Key, r.Value)), entries);
    }

    [Fact]
    public void Our_reader_reads_a_table_FlatBuffers_own_builder_wrote()
    {
        var builder = new FlatBufferBuilder(256);
        var pairs = Ranges.Select(r =>
        {
            var key = builder.CreateString(r.Key);
            var value = builder.CreateString(r.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            builder.StartTable(2);
            builder.AddOffset(1, value.Value, 0);
            builder.AddOffset(0, key.Value, 0);
            return builder.EndTable();
        }).ToList();
        builder.StartVector(4, pairs.Count, 4);
        for (var i = pairs.Count - 1; i >= 0; i--) builder.AddOffset(pairs[i]);
        var vector = builder.EndVector();
        builder.StartTable(1);
        builder.AddOffset(0, vector.Value, 0);
        builder.Finish(builder.EndTable());

        var read = OrtCalibrationTable.Read(builder.SizedByteArray());

        Assert.Equal(Ranges.ToList(), read);
    }

    [Fact]
    public void Ranges_of_a_real_plan_survive_the_official_reader()
    {
        var plan = new QuantizationPlan
        {
            Tensors = [new TensorQuantization("x", QuantizedPrecision.Int8, [0.5f / 127f], [0], Min: -0.5f, Max: 0.25f)],
        };
        var buffer = new ByteBuffer(OrtCalibrationTable.Write(CalibrationRanges.From(plan)));

        Assert.True(new Verifier(buffer).VerifyBuffer(null, false, VerifyTrtTable));
        var root = new Table(buffer.GetInt(buffer.Position) + buffer.Position, buffer);
        var pair = new Table(root.__indirect(root.__vector(root.__offset(DictField))), buffer);
        Assert.Equal("x", pair.__string(pair.bb_pos + pair.__offset(KeyField)));
        Assert.Equal("0.5", pair.__string(pair.bb_pos + pair.__offset(ValueField)));
    }
}
