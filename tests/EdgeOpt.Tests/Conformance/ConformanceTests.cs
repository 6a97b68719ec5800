using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Conformance;

/// <summary>
/// The whole ONNX conformance suite (Debian libonnx-testdata: node, pytorch-converted, pytorch-operator, simple)
/// through load → save → load and ONNX Runtime. Set EDGEOPT_WRITE_CONFORMANCE_REPORT=path to also write the
/// markdown section for docs/benchmarks.md.
/// </summary>
public class ConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_suite_model_round_trips_and_runs_like_the_original()
    {
        var cases = ConformanceSuite.Cases(Fixtures.OnnxTestData).ToArray();
        Assert.True(cases.Length > 1000, $"expected the full suite under {Fixtures.OnnxTestData}, found {cases.Length} models");

        var clock = Stopwatch.StartNew();
        var results = new ConformanceResult[cases.Length];
        Parallel.For(0, cases.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var (suite, dir) = cases[i];
            try
            {
                results[i] = ConformanceSuite.Run(suite, dir);
            }
            catch (Exception e)
            {
                // Anything unexpected is ours to fix: record it and keep going so the report is complete.
                results[i] = ConformanceResult.Fail(suite, Path.GetFileName(dir), $"{e.GetType().Name}: {e.Message}");
            }
        });
        clock.Stop();

        var summary = ConformanceReport.Summary(results, clock.Elapsed);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "conformance-summary.txt"), summary);
        output.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("EDGEOPT_WRITE_CONFORMANCE_REPORT") is { Length: > 0 } reportPath)
        {
            var machine = $"{Environment.ProcessorCount}-core {RuntimeInformation.OSArchitecture}, {RuntimeInformation.OSDescription}, ONNX Runtime 1.31.1";
            const string command = "EDGEOPT_WRITE_CONFORMANCE_REPORT=conformance.md dotnet test tests/EdgeOpt.Tests --filter \"FullyQualifiedName~EdgeOpt.Tests.Conformance.ConformanceTests\"";
            File.WriteAllText(reportPath, ConformanceReport.Markdown(results, command, machine));
        }

        var failures = results.Where(r => r.Outcome == ConformanceOutcome.Fail).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} conformance failures:\n" + string.Join("\n", failures.Take(50)));
        // Pinned exactly: a model turning into a skip (a missing locale, an ORT change, a harness regression) fails here.
        var passes = results.Where(r => r.Outcome == ConformanceOutcome.Pass).Select(r => $"{r.Suite}/{r.Model}");
        var difference = PinnedOutcomes.Compare("roundtrip-passes", passes);
        Assert.True(difference is null, $"{difference}\n{summary}");
    }
}
