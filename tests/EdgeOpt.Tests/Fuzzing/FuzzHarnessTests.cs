using EdgeOpt.Fuzz;
using EdgeOpt.Tests.Docs;

namespace EdgeOpt.Tests.Fuzzing;

/// <summary>
/// The fuzz harnesses (fuzz/EdgeOpt.Fuzz/Harnesses, compiled into this assembly too) run in-process over their committed
/// seed corpora plus seeded byte mutations, so the suite covers the harness code and keeps every seed an outcome EdgeOpt
/// promises without AFL. The long coverage-guided runs are fuzz/run.sh's (docs/reliability.md, "Coverage-guided fuzzing").
/// </summary>
public class FuzzHarnessTests
{
    private const int MutantsPerHarness = 250;

    /// <summary>fuzz/corpus is committed: it must stay small (generated seeds from the fixtures are made at run time).</summary>
    private const long MaxCorpusBytes = 400 * 1024;

    private static readonly string Corpus = Path.Combine(DocCommandLines.RepositoryRoot, "fuzz", "corpus");

    public static TheoryData<string> Harnesses => [.. FuzzHarnesses.All.Select(h => h.Name)];

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void Every_seed_and_every_mutant_is_accepted_or_refused_with_a_typed_one_line_error(string name)
    {
        var harness = FuzzHarnesses.Find(name);
        var seeds = Seeds(name);
        var findings = new List<string>();
        void Try(string what, byte[] input)
        {
            try
            {
                harness.Run(input);
            }
#pragma warning disable CA1031 // The point is to catch whatever escapes and report it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                findings.Add($"{what}: {e.GetType().Name}: {e.Message}");
            }
        }

        foreach (var (file, bytes) in seeds) Try(file, bytes);
        var random = new Random(name.Sum(c => c));
        for (var i = 0; i < MutantsPerHarness; i++)
        {
            var (file, bytes) = seeds[random.Next(seeds.Count)];
            Try($"{file}, mutant {i}", Mutate(bytes, random));
        }
        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void Every_step_of_every_harness_accepts_some_seed(string name)
    {
        // A corpus whose seeds a step always refuses (a stale manifest hash, a fixture that changed) would fuzz only its first check.
        var harness = FuzzHarnesses.Find(name);
        var outcomes = Seeds(name).Select(s => harness.Run(s.Bytes)).ToList();
        var steps = outcomes.Max(o => o.Steps);
        var passed = outcomes.SelectMany(o => o.PassedSteps).ToHashSet();
        var never = Enumerable.Range(0, steps).Where(s => !passed.Contains(s)).ToList();
        Assert.True(never.Count == 0, $"no seed of '{name}' passes step(s) {string.Join(", ", never)}: "
            + string.Join(" | ", outcomes.SelectMany(o => o.Refusals).Where(r => never.Contains(r.Step)).Select(r => r.Message).Distinct().Take(5)));
    }

    [Fact]
    public void Every_harness_has_a_committed_corpus_and_the_corpora_stay_small()
    {
        var folders = Directory.GetDirectories(Corpus).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(FuzzHarnesses.All.Select(h => h.Name).Order(StringComparer.Ordinal), folders);
        var bytes = Directory.EnumerateFiles(Corpus, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= MaxCorpusBytes, $"fuzz/corpus holds {bytes} bytes; keep it under {MaxCorpusBytes} and generate larger seeds at run time (SeedMaker.MakeExtra)");
    }

    private static List<(string File, byte[] Bytes)> Seeds(string name)
    {
        var seeds = Directory.EnumerateFiles(Path.Combine(Corpus, name)).Order(StringComparer.Ordinal)
            .Select(f => ($"fuzz/corpus/{name}/{Path.GetFileName(f)}", File.ReadAllBytes(f))).ToList();
        Assert.NotEmpty(seeds);
        return seeds;
    }

    /// <summary>One to four edits: bit flips, interesting values (0, -1, 0x7F.., 0x80..), cuts, duplicated and random bytes.</summary>
    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        var edits = random.Next(1, 5);
        for (var i = 0; i < edits && bytes.Count > 1; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2:
                    byte[] interesting = [0x00, 0xFF, 0x7F, 0x80, 0x01];
                    for (var k = at; k < Math.Min(bytes.Count, at + random.Next(1, 9)); k++) bytes[k] = interesting[random.Next(interesting.Length)];
                    break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4: bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at)); break;
                case 5: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 32), bytes.Count - at))); break;
                default: bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256))); break;
            }
        }
        return [.. bytes];
    }
}
