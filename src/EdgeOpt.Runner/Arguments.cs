using System.Globalization;

namespace EdgeOpt.Runner;

/// <summary>The command line after the command: MODEL first, then options (each takes one value).</summary>
internal sealed record Arguments(string Model, List<string> Inputs, string? OutputDir, string? OptionsFile, int? Threads, int Runs, int Warmup)
{
    public static Arguments Parse(string[] args, bool bench)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) throw new UsageError("the model path comes first (MODEL.onnx)");
        var parsed = new Arguments(args[0], [], null, null, null, 100, 10);
        for (var i = 1; i < args.Length; i++)
        {
            var option = args[i];
            if (i + 1 >= args.Length) throw new UsageError($"'{option}' needs a value (--help shows how)");
            var value = args[++i];
            parsed = option switch
            {
                "--input" => parsed with { Inputs = [.. parsed.Inputs, value] },
                "--output-dir" when !bench => parsed with { OutputDir = value },
                "--options" => parsed with { OptionsFile = value },
                "--threads" => parsed with { Threads = Count(option, value, 0) },
                "--runs" when bench => parsed with { Runs = Count(option, value, 1) },
                "--warmup" when bench => parsed with { Warmup = Count(option, value, 0) },
                _ => throw new UsageError($"unknown option '{option}' for {(bench ? "bench" : "run")} (--help shows how)"),
            };
        }
        return parsed;
    }

    private static int Count(string option, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new UsageError($"{option} takes a whole number of {min} or more, not '{value}'");
}
