using System.Text;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.Linux;

/// <summary>The package's README.md: what is in it, how to run and benchmark it, what was verified here and what only the device can tell.</summary>
internal static class LinuxReadme
{
    public const string FileName = "README.md";

    public sealed record Facts(string Rid, string Title, LinuxTuning Tuning, bool RunnerPublished, IReadOnlyList<(string Name, string File)> Samples,
        string? ProviderSeen);

    public static string Write(PackageContext context, Facts facts)
    {
        var text = new StringBuilder();
        text.Append($"# {facts.Title}\n\n");
        text.Append($"`{Path.GetFileName(context.SourcePath)}` at {Precision(context.Options.Precision)}, packaged by EdgeOpt for {facts.Rid} with a " +
            $"self-contained runner (.NET and ONNX Runtime {context.OnnxRuntimeVersion}, CPU): copy the folder to the device and run it; nothing to install.\n\n");

        text.Append("## Contents\n\n| Path | What |\n| --- | --- |\n");
        text.Append($"| `model.onnx` | the model, {Precision(context.Options.Precision)} |\n");
        text.Append($"| `{LinuxTuning.FileName}` | the session settings the runner uses (below) |\n");
        if (facts.RunnerPublished)
            text.Append($"| `runner/` | `{RunnerSources.Executable}`, published self-contained and trimmed for {facts.Rid}: the .NET runtime and ONNX Runtime " +
                $"{context.OnnxRuntimeVersion}'s {facts.Rid} native library (`libonnxruntime.so`, from its NuGet package) |\n");
        else
            text.Append($"| `runner-src/`, `{LinuxScripts.BuildScript}` | the runner's source; `./{LinuxScripts.BuildScript}` publishes it into `runner/` " +
                "(needs the .NET 10 SDK and NuGet access; the files it adds are not listed in package.json) |\n");
        text.Append($"| `{LinuxScripts.RunScript}` | runs or benchmarks the model with the runner; refuses another CPU architecture |\n");
        if (facts.Samples.Count > 0)
            text.Append($"| `sample/` | a generated input ({InputGenerator.Distribution}), what `./run.sh` uses without `--input` |\n");
        text.Append($"| `{PackageManifest.FileName}` | every file with its SHA-256, and the checks below |\n\n");

        text.Append("## Run\n\nCopy the whole folder to the device (`rsync -a` or `scp -r`, which keep the executable bits), then in it:\n\n```sh\n");
        if (!facts.RunnerPublished) text.Append($"./{LinuxScripts.BuildScript}                       # once: builds runner/\n");
        text.Append("./run.sh run                                   # one inference on the sample input; outputs as JSON\n");
        text.Append("./run.sh run --input NAME=FILE.npy --output-dir out   # your input; each output as out/NAME.npy\n");
        text.Append("./run.sh bench --runs 200                      # latency (ms): mean, median, p90, p99, min, max\n");
        text.Append("```\n\n");
        text.Append("Inputs are NumPy `.npy` files (float32, int64, int32, uint8, int8 or bool; C order), one `--input NAME=FILE.npy` per model input:\n\n");
        foreach (var input in context.Model.Graph.Inputs.Where(i => !i.IsInitializer))
            text.Append($"- `{input.Name}`: {Describe(input)}\n");
        text.Append("\nOutputs:\n\n");
        foreach (var output in context.Model.Graph.Outputs) text.Append($"- `{output.Name}`: {Describe(output)}\n");
        text.Append("\nThe runner exits with 0 when done, 1 when the model fails, 2 for bad arguments or inputs (one line on stderr says which).\n\n");

        text.Append($"## Session settings (`{LinuxTuning.FileName}`)\n\n");
        text.Append($"- `intraOpThreads` {facts.Tuning.ThreadsReason}. `./run.sh bench --threads N` tries another count.\n");
        if (facts.Tuning.Providers.Count > 0)
        {
            text.Append($"- `executionProviders` [{string.Join(", ", facts.Tuning.Providers)}]: used when the bundled ONNX Runtime build has it (XNNPACK gets " +
                "the threads and ORT's own pool one, as ORT recommends), else the CPU provider (MLAS).");
            if (facts.ProviderSeen is { } seen)
                text.Append(seen == "cpu"
                    ? $" ONNX Runtime's NuGet {facts.Rid} build has no XNNPACK: the runner ran with the CPU provider when checked here; put a " +
                      "`libonnxruntime.so` built with XNNPACK into `runner/` to use it.\n"
                    : $" The runner ran with `{seen}` when checked here.\n");
            else text.Append('\n');
        }
        else text.Append("- `executionProviders` []: ONNX Runtime's CPU provider (MLAS kernels).\n");
        text.Append($"- `graphOptimizationLevel` {LinuxTuning.GraphOptimization}: ONNX Runtime's full set of graph rewrites when the session opens.\n\n");

        ReadmeSections.AppendChecks(text, context);
        if (context.Notes.Count > 0)
        {
            text.Append("## Notes\n\n");
            foreach (var note in context.Notes) text.Append($"- {note}\n");
        }
        return text.ToString();
    }

    public static string Precision(PackagePrecision precision) => precision switch
    {
        PackagePrecision.Int8 => "INT8 (static: QDQ with activation ranges from calibration data)",
        PackagePrecision.Int8Dynamic => "INT8 dynamic (weights 8-bit, activations quantized at run time)",
        _ => "FP32",
    };

    private static string Describe(Value value) => value.Type?.ToString() ?? "?";
}
