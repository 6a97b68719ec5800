using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// Seeded byte-level mutations of valid models (flipped, overwritten, cut, repeated and inserted bytes): every
/// mutant either parses or fails with a one-line <see cref="ModelFormatException"/>; nothing else may escape.
/// </summary>
public class MutatedModelTests
{
    private const int MutantsPerModel = 3000;

    public static TheoryData<string> Models => ["graph-builder-model", "nested-if-model"];

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_mutant_parses_or_fails_with_a_one_line_ModelFormatException(string which)
    {
        var valid = which == "nested-if-model" ? MalformedModels.NestedIfModel(3) : MalformedModels.ValidModelBytes();
        var unexpected = new List<string>();
        var rejected = 0;
        for (var seed = 0; seed < MutantsPerModel; seed++)
        {
            var mutant = Mutate(valid, new Random(seed));
            try
            {
                Model.Parse(mutant).Dispose();
            }
            catch (ModelFormatException e)
            {
                rejected++;
                if (e.Message.Contains('\n', StringComparison.Ordinal) || e.Message.Length == 0) unexpected.Add($"seed {seed}: message not one line: {e.Message}");
            }
#pragma warning disable CA1031 // The point is to catch whatever else escapes and report it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                unexpected.Add($"seed {seed}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(unexpected.Count == 0, string.Join(Environment.NewLine, unexpected.Take(20)));
        Assert.True(rejected > MutantsPerModel / 4, $"only {rejected} of {MutantsPerModel} mutants were rejected; the mutations are too gentle to mean anything");
    }

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        var bytes = valid.ToList();
        var edits = rng.Next(1, 4);
        for (var i = 0; i < edits && bytes.Count > 1; i++)
        {
            var at = rng.Next(bytes.Count);
            switch (rng.Next(6))
            {
                case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: bytes[at] = (byte)rng.Next(256); break;
                case 2: bytes[at] = rng.Next(2) == 0 ? (byte)0x00 : (byte)0xFF; break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(rng.Next(1, 16), bytes.Count - at))); break;
                default: bytes.InsertRange(at, Enumerable.Range(0, rng.Next(1, 8)).Select(_ => (byte)rng.Next(256))); break;
            }
        }
        return [.. bytes];
    }
}
