using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Runner;

/// <summary>
/// <c>edgeopt-runner run MODEL --input [NAME=]FILE.npy ... [--output-dir DIR]</c> runs the model once and prints its
/// outputs' summary as JSON (each written as NAME.npy with --output-dir); <c>edgeopt-runner bench MODEL [--runs N]</c>
/// times it and prints latency statistics as JSON. Exit codes: 0 done, 1 the model failed, 2 bad arguments or input.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: edgeopt-runner run MODEL --input [NAME=]FILE.npy ... [--output-dir DIR] [--threads N] [--options FILE]
               edgeopt-runner bench MODEL [--input [NAME=]FILE.npy ...] [--runs N] [--warmup N] [--threads N] [--options FILE]
        Session settings come from --options, else session_options.json next to MODEL. Inputs are .npy (float32, int64,
        int32, uint8, int8, bool; C order); bench without --input generates them (symbolic dimensions 1).
        """;

    public static int Main(string[] args)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                var help = args.Length == 0 ? Console.Error : Console.Out;
                help.WriteLine(Usage);
                help.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
                return args.Length == 0 ? 2 : 0;
            }
            if (args[0] is not ("run" or "bench")) throw new UsageError($"unknown command '{args[0]}' (run or bench; --help shows how)");
            var parsed = Arguments.Parse(args[1..], bench: args[0] == "bench");
            var settings = RunnerSettings.Load(parsed.OptionsFile, parsed.Model);
            if (parsed.Threads is { } threads) settings = settings with { IntraOpThreads = threads };
            using var session = settings.Open(parsed.Model, out var provider);
            if (args[0] == "run") Run(session, parsed, settings, provider);
            else Bench(session, parsed, settings, provider);
            return 0;
        }
        catch (UsageError e)
        {
            Console.Error.WriteLine($"edgeopt-runner: {e.Message}");
            return 2;
        }
        catch (RunError e)
        {
            Console.Error.WriteLine($"edgeopt-runner: {e.Message}");
            return 1;
        }
        catch (OnnxRuntimeException e)
        {
            Console.Error.WriteLine($"edgeopt-runner: ONNX Runtime failed: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"edgeopt-runner: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private static void Run(InferenceSession session, Arguments args, RunnerSettings settings, string provider)
    {
        if (args.Inputs.Count == 0 && session.InputMetadata.Count > 0) throw new UsageError($"run needs the model's inputs: {Inputs.Describe(session)} (give each with --input NAME=FILE.npy)");
        using var inputs = Inputs.FromFiles(session, args.Inputs);
        var names = session.OutputMetadata.Keys.ToList();
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, inputs.Names, inputs.Values, names);
        if (args.OutputDir is { } dir) Directory.CreateDirectory(dir);

        using var json = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        Header(json, args, settings, provider);
        json.WriteStartArray("outputs");
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var value = outputs[i];
            if (!value.IsTensor) throw new RunError($"output '{names[i]}' is a {value.OnnxType}; the runner handles tensors only");
            var info = value.GetTensorTypeAndShape();
            json.WriteStartObject();
            json.WriteString("name", names[i]);
            json.WriteString("dtype", Npy.TypeName(info.ElementDataType));
            json.WriteStartArray("shape");
            foreach (var d in info.Shape) json.WriteNumberValue(d);
            json.WriteEndArray();
            if (args.OutputDir is { } folder)
            {
                var file = FileName(names[i], used);
                Npy.Write(Path.Combine(folder, file), value, names[i]);
                json.WriteString("file", file);
            }
            if (info.ElementDataType == TensorElementType.Float && info.ElementCount > 0)
            {
                var data = value.GetTensorDataAsSpan<float>();
                var (min, max, sum, argmax) = (data[0], data[0], 0.0, 0);
                for (var k = 0; k < data.Length; k++)
                {
                    if (data[k] < min) min = data[k];
                    if (data[k] > max) (max, argmax) = (data[k], k);
                    sum += data[k];
                }
                Number(json, "min", min);
                Number(json, "max", max);
                Number(json, "mean", sum / data.Length);
                json.WriteNumber("argmax", argmax);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        Console.Out.WriteLine();
    }

    private static void Bench(InferenceSession session, Arguments args, RunnerSettings settings, string provider)
    {
        using var inputs = args.Inputs.Count > 0 ? Inputs.FromFiles(session, args.Inputs) : Inputs.Generated(session);
        var names = session.OutputMetadata.Keys.ToList();
        using var runOptions = new RunOptions();
        for (var i = 0; i < args.Warmup; i++) session.Run(runOptions, inputs.Names, inputs.Values, names).Dispose();
        var ms = new double[args.Runs];
        for (var i = 0; i < ms.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            session.Run(runOptions, inputs.Names, inputs.Values, names).Dispose();
            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(ms);

        using var json = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        Header(json, args, settings, provider);
        json.WriteString("inputs", args.Inputs.Count > 0 ? "files" : "generated");
        json.WriteNumber("warmup", args.Warmup);
        json.WriteNumber("runs", args.Runs);
        json.WriteStartObject("latencyMs");
        Number(json, "mean", ms.Average());
        Number(json, "median", Percentile(ms, 50));
        Number(json, "p90", Percentile(ms, 90));
        Number(json, "p99", Percentile(ms, 99));
        Number(json, "min", ms[0]);
        Number(json, "max", ms[^1]);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        Console.Out.WriteLine();
    }

    private static void Header(Utf8JsonWriter json, Arguments args, RunnerSettings settings, string provider)
    {
        json.WriteString("model", args.Model);
        json.WriteString("onnxRuntime", OrtEnv.Instance().GetVersionString());
        json.WriteString("executionProvider", provider);
        json.WriteNumber("intraOpThreads", settings.IntraOpThreads);
        json.WriteString("graphOptimizationLevel", settings.OptimizationLevel);
    }

    // Nearest rank: the smallest value with at least p % of the runs at or below it.
    private static double Percentile(double[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, Math.Round(value, 6));
        else json.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    // The output's name made a safe file name (letters, digits, '.', '_', '-'), unique within the run.
    private static string FileName(string name, HashSet<string> used)
    {
        var safe = new StringBuilder();
        foreach (var c in name) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        if (safe.Length == 0 || safe[0] == '.') safe.Insert(0, "output");
        var file = $"{safe}.npy";
        for (var n = 2; !used.Add(file); n++) file = $"{safe}_{n}.npy";
        return file;
    }
}
