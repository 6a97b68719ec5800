using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeOpt.Tests.Conformance;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Conversion;

/// <summary>
/// The whole ONNX conformance suite converted up to opset 21 and to 17: every model the converter accepts must
/// reproduce the suite's expected outputs in ONNX Runtime; the rest must be refused with the clear error.
/// Counts go to the test output and to conversion-summary-{target}.txt next to the test assembly.
/// </summary>
public sealed class ConversionConformanceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(21)]
    [InlineData(17)]
    public void Every_suite_model_converts_and_reproduces_its_outputs_or_is_refused_clearly(int target)
    {
        var cases = ConformanceSuite.Cases(Fixtures.OnnxTestData).ToArray();
        Assert.True(cases.Length > 1000, $"expected the full suite under {Fixtures.OnnxTestData}, found {cases.Length} models");
        var clock = Stopwatch.StartNew();
        var results = new ConversionResult?[cases.Length];
        Parallel.For(0, cases.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var (suite, dir) = cases[i];
            try
            {
                results[i] = ConversionConformance.Run(suite, dir, target);
            }
            catch (Exception e)
            {
                results[i] = new ConversionResult(suite, Path.GetFileName(dir), -1, ConversionOutcome.Fail, $"{e.GetType().Name}: {e.Message}");
            }
        });
        clock.Stop();
        var done = results.OfType<ConversionResult>().ToList();
        var summary = Summary(done, target, clock.Elapsed);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, $"conversion-summary-{target}.txt"), summary);
        output.WriteLine(summary);

        var failures = done.Where(r => r.Outcome == ConversionOutcome.Fail).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} conversion failures:\n{string.Join("\n", failures.Take(40))}");
        foreach (var refused in done.Where(r => r.Outcome == ConversionOutcome.Refused))
            Assert.Matches($@"^cannot convert node .+ from opset {refused.SourceOpset} to {target}: .+", refused.Reason);
        var passes = done.Where(r => r.Outcome is ConversionOutcome.Pass or ConversionOutcome.PassNewlyRunnable).Select(r => $"{r.Suite}/{r.Model}");
        var difference = PinnedOutcomes.Compare($"conversion-{target}-passes", passes);
        Assert.True(difference is null, $"{difference}\n{summary}");
    }

    private static string Summary(List<ConversionResult> results, int target, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Opset conversion to {target}: {results.Count} suite models below opset {target}, {elapsed.TotalSeconds:F1} s");
        foreach (var outcome in Enum.GetValues<ConversionOutcome>())
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {outcome,-18} {results.Count(r => r.Outcome == outcome),4}  (with nodes rewritten: {results.Count(r => r.Outcome == outcome && r.NodesChanged > 0)})");
        foreach (var r in results.Where(r => r.Outcome is not ConversionOutcome.Pass).OrderBy(r => r.Outcome).ThenBy(r => r.Model, StringComparer.Ordinal))
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {r}");
        return sb.ToString();
    }
}
