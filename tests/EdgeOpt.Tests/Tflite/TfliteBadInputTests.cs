using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Tflite;
using EdgeOpt.Tests.BadInput;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// Crafted .tflite files through the public API (<see cref="TfliteConverter.Convert(byte[], string, TfliteConversionOptions?)"/>
/// and <see cref="Model.Load(string)"/>): each is refused with the typed exception and one line naming the field, and
/// seeded mutations of real TFLite Micro models never escape as anything else.
/// </summary>
public class TfliteBadInputTests
{
    private const string FileName = "bad.tflite";

    public static TheoryData<string> Cases => TfliteBadFiles.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Convert_refuses_with_the_typed_exception_and_one_line_naming_the_field(string name)
    {
        var bad = TfliteBadFiles.Get(name);
        var bytes = bad.Bytes();

        var e = Assert.Throws(bad.Exception, () => TfliteConverter.Convert(bytes, FileName).Dispose());

        AssertOneLine(e.Message);
        Assert.StartsWith(FileName + ": ", e.Message, StringComparison.Ordinal);
        foreach (var word in bad.Expected) Assert.Contains(word, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Model_load_refuses_the_file_the_same_way_and_leaves_it_untouched(string name)
    {
        var bad = TfliteBadFiles.Get(name);
        using var dir = new TempDir();
        var path = dir.File(FileName);
        File.WriteAllBytes(path, bad.Bytes());
        var before = FolderSnapshot.Take(dir.Path);

        var e = Assert.Throws(bad.Exception, () => Model.Load(path).Dispose());

        AssertOneLine(e.Message);
        foreach (var word in bad.Expected) Assert.Contains(word, e.Message, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void Random_bytes_behind_the_TFL3_identifier_are_a_one_line_ModelFormatException()
    {
        var unexpected = new List<string>();
        for (var seed = 0; seed < 200; seed++)
        {
            var rng = new Random(seed);
            var bytes = new byte[rng.Next(8, 2048)];
            rng.NextBytes(bytes);
            "TFL3"u8.CopyTo(bytes.AsSpan(4));
            // Half the files get a root offset inside the file, so the garbage is read as tables.
            if (seed % 2 == 0) BitConverter.TryWriteBytes(bytes, rng.Next(8, bytes.Length));
            Classify(bytes, $"seed {seed}", unexpected, out _);
        }
        Assert.True(unexpected.Count == 0, string.Join(Environment.NewLine, unexpected.Take(20)));
    }

    public static TheoryData<string> MicroModels => ["examples/hello_world/models/hello_world_int8.tflite", "models/person_detect.tflite"];

    /// <summary>
    /// Flipped, overwritten, cut, repeated and inserted bytes, most of them outside the weights (where they would only
    /// change numbers): every mutant converts or fails with ModelFormatException/UnsupportedOperatorException.
    /// </summary>
    [Theory]
    [MemberData(nameof(MicroModels))]
    public void Every_mutant_of_a_real_model_converts_or_fails_with_a_typed_one_line_error(string fixture)
    {
        const int Mutants = 300;
        var valid = File.ReadAllBytes(Path.Combine(Tests.Fixtures.TfliteMicro, fixture));
        TfliteConverter.Convert(valid, "valid.tflite").Dispose();
        var weights = WeightRanges(valid);
        var unexpected = new List<string>();
        var rejected = 0;
        for (var seed = 0; seed < Mutants; seed++)
        {
            var mutant = Mutate(valid, weights, new Random(seed));
            Classify(mutant, $"seed {seed}", unexpected, out var refused);
            if (refused) rejected++;
        }
        Assert.True(unexpected.Count == 0, string.Join(Environment.NewLine, unexpected.Take(20)));
        Assert.True(rejected > Mutants / 4, $"only {rejected} of {Mutants} mutants were rejected; the mutations are too gentle to mean anything");
    }

    /// <summary>Converts (and serializes what converted); anything but success or a typed one-line error is recorded.</summary>
    private static void Classify(byte[] bytes, string label, List<string> unexpected, out bool refused)
    {
        refused = false;
        try
        {
            using var model = TfliteConverter.Convert(bytes, FileName);
            _ = model.ToBytes();
        }
        catch (Exception e) when (e is ModelFormatException or UnsupportedOperatorException)
        {
            refused = true;
            if (e.Message.Length == 0 || e.Message.Any(c => c is '\n' or '\r')) unexpected.Add($"{label}: message not one line: {e.Message}");
        }
#pragma warning disable CA1031 // The point is to catch whatever else escapes and report it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            unexpected.Add($"{label}: {e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
        }
    }

    /// <summary>Byte ranges of the file's buffers (weights), read through the reader itself.</summary>
    private static List<(int Start, int End)> WeightRanges(byte[] bytes)
    {
        var model = EdgeOpt.Onnx.Tflite.Schema.TfliteReader.Read(bytes, "valid.tflite");
        var ranges = new List<(int, int)>();
        foreach (var buffer in model.Buffers)
            if (buffer.Length > 0 && MemoryMarshal.TryGetArray(buffer, out var segment))
                ranges.Add((segment.Offset, segment.Offset + segment.Count));
        return ranges;
    }

    private static byte[] Mutate(byte[] valid, List<(int Start, int End)> weights, Random rng)
    {
        var bytes = valid.ToList();
        var edits = rng.Next(1, 4);
        for (var i = 0; i < edits && bytes.Count > 8; i++)
        {
            // Nine edits in ten land outside the weights (the identifier at bytes 4..7 stays), where the tables are.
            int at;
            var tries = 0;
            do at = rng.Next(bytes.Count);
            while ((at is >= 4 and < 8 || rng.Next(10) != 0 && weights.Any(w => at >= w.Start && at < w.End)) && ++tries < 100);
            switch (rng.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: bytes[at] = (byte)rng.Next(256); break;
                case 2: bytes[at] = rng.Next(2) == 0 ? (byte)0x00 : (byte)0xFF; break;
                case 3: bytes.RemoveRange(Math.Max(at, 8), bytes.Count - Math.Max(at, 8)); break;
                case 4: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(rng.Next(1, 16), bytes.Count - at))); break;
                case 5:
                    // An int32 (index, offset, length, dimension) replaced by an edge value.
                    if (at + 4 <= bytes.Count)
                    {
                        int[] edges = [-1, 0, 1, int.MaxValue, int.MinValue, 1 << 16, -65536, bytes.Count];
                        var value = BitConverter.GetBytes(edges[rng.Next(edges.Length)]);
                        for (var k = 0; k < 4; k++) bytes[at + k] = value[k];
                    }
                    break;
                default: bytes.InsertRange(at, Enumerable.Range(0, rng.Next(1, 8)).Select(_ => (byte)rng.Next(256))); break;
            }
        }
        return [.. bytes];
    }

    private static void AssertOneLine(string message)
    {
        Assert.NotEqual("", message);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\r', message);
    }
}
