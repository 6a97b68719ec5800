using System.Globalization;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Tflite;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// TFLite Micro's seanet suite: single-layer int16x8 models (int16 activations, int8 weights, int64 biases) with input
/// and golden-output CSVs from TFLite's own integer kernels. Converted to opset-21 QDQ and run in ONNX Runtime (float
/// arithmetic between the quantize steps), every output must be the golden one or one quantization step from it.
/// </summary>
public class SeanetConformanceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string Suite => Path.Combine(Fixtures.TfliteMicro, "integration_tests", "seanet");

    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Suite, "*.tflite", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Suite, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Each_model_reproduces_its_golden_output_within_one_quantization_step(string model)
    {
        var (exact, total, worst) = Check(Path.Combine(Suite, model));
        Assert.True(worst <= 1, $"{model}: {total - exact}/{total} outputs differ from the golden ones, by up to {worst} steps (tolerance: 1)");
    }

    [Fact]
    public void The_suite_covers_every_seanet_operator_and_all_127_models()
    {
        var models = Directory.EnumerateFiles(Suite, "*.tflite", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Suite, f)).ToArray();
        Assert.Equal(127, models.Length);
        var ops = models.Select(m => Path.GetDirectoryName(m)!).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["add", "conv", "leaky_relu", "pad", "quantize", "strided_slice", "sub", "transpose_conv"], ops);
    }

    [Fact]
    public void Most_outputs_match_the_golden_ones_exactly_and_the_tally_is_reported()
    {
        // The tally docs/benchmarks.md quotes: per operator, models, outputs, exact outputs, outputs one step off.
        var rows = Directory.EnumerateFiles(Suite, "*.tflite", SearchOption.AllDirectories)
            .GroupBy(f => Path.GetFileName(Path.GetDirectoryName(f))!)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var results = g.Select(Check).ToArray();
                return (Op: g.Key, Models: results.Length, ExactModels: results.Count(r => r.Exact == r.Total),
                    Outputs: results.Sum(r => r.Total), Exact: results.Sum(r => r.Exact));
            }).ToArray();
        foreach (var r in rows)
            output.WriteLine($"| {r.Op} | {r.Models} | {r.ExactModels} | {r.Outputs} | {r.Exact} ({100.0 * r.Exact / r.Outputs:F1} %) |");
        int outputs = rows.Sum(r => r.Outputs), exact = rows.Sum(r => r.Exact);
        output.WriteLine($"| all | {rows.Sum(r => r.Models)} | {rows.Sum(r => r.ExactModels)} | {outputs} | {exact} ({100.0 * exact / outputs:F1} %) |");
        // Float arithmetic between the quantize steps rounds differently from TFLite's fixed-point multipliers only at
        // ties: the differences must stay rare, not just small.
        Assert.True(exact >= 0.9 * outputs, $"only {exact} of {outputs} outputs are exact");
    }

    /// <summary>Converts and runs one model; returns how many outputs equal the golden ones, of how many, and the largest difference.</summary>
    internal static (int Exact, int Total, long Worst) Check(string path)
    {
        using var model = TfliteConverter.Convert(path);
        var stem = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path));
        var inputs = model.Graph.Inputs.Select((input, i) =>
        {
            var shape = input.Shape!.ToArray()!;
            var file = Directory.EnumerateFiles(Path.GetDirectoryName(path)!, $"{Path.GetFileName(stem)}_input{i}_*.csv").Single();
            var values = ReadCsv(file);
            Array data = input.ElementType switch
            {
                DataType.Int16 => values.Select(v => checked((short)v)).ToArray(),
                DataType.Int32 => values.Select(v => checked((int)v)).ToArray(),
                DataType.Int8 => values.Select(v => checked((sbyte)v)).ToArray(),
                var t => throw new InvalidOperationException($"{path}: input type {t}"),
            };
            return (shape, data);
        }).ToArray();
        var output = OrtRun.Run(model, inputs).Single();
        var golden = ReadCsv(Directory.EnumerateFiles(Path.GetDirectoryName(path)!, $"{Path.GetFileName(stem)}_golden_*.csv").Single());
        var actual = OrtRun.AsDoubles(output.Data);
        Assert.Equal(golden.Length, actual.Length);
        var exact = 0;
        long worst = 0;
        for (var i = 0; i < golden.Length; i++)
        {
            var diff = (long)Math.Abs(actual[i] - golden[i]);
            if (diff == 0) exact++;
            worst = Math.Max(worst, diff);
        }
        return (exact, golden.Length, worst);
    }

    private static long[] ReadCsv(string file) =>
        File.ReadAllText(file).Split([',', '\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
