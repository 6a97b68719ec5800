using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Passes;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt optimize MODEL -o OUT [--level basic|extended] [--target-opset N] [--passes a,b] [--skip-passes a,b]
/// [--fixed-shape NAME=DIMS]... [--bind NAME=VALUE[,NAME=VALUE...]]... [--external-data] [--json]</c>: runs <see cref="ModelOptimizer"/> and writes the result
/// atomically. Every option is checked before the model is touched; on any error nothing is written.
/// </summary>
internal static class OptimizeCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("model")
        {
            Description = "The .onnx model to optimize (or give it with --input); it is never modified",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var input = new Option<string?>("--input", "-i") { Description = "The model to optimize (same as MODEL)", HelpName = "PATH" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the optimized model (required)", HelpName = "PATH" };
        var level = new Option<string>("--level")
        {
            Description = "Highest pass level: basic (eliminations, folding, CSE: numerics unchanged) or extended (adds fusions into weights)",
            DefaultValueFactory = _ => new OptimizationOptions().Level.ToString().ToLowerInvariant(),
            HelpName = "basic|extended",
        };
        var targetOpset = new Option<int?>("--target-opset")
        {
            Description = $"Convert the default-domain opset to N ({OpsetConverter.MinTargetOpset} to {OpsetConverter.MaxTargetOpset}) before optimizing",
            HelpName = "N",
        };
        var validPasses = PassRegistry.Names.Count == 0 ? "none registered" : string.Join(", ", PassRegistry.Names);
        var passes = new Option<string[]>("--passes")
        {
            Description = $"Run only these passes, comma-separated (in registry order). Valid passes: {validPasses}",
            HelpName = "a,b,...",
        };
        var skipPasses = new Option<string[]>("--skip-passes") { Description = "Leave out these passes, comma-separated", HelpName = "a,b,..." };
        var fixedShapes = new Option<string[]>("--fixed-shape")
        {
            Description = "Fix an input's shape, e.g. --fixed-shape input=1x3x224x224 (symbolic dims become static; known dims " +
                          "must agree); repeat for several inputs",
            HelpName = "NAME=DIMS",
        };
        var bind = new Option<string[]>("--bind")
        {
            Description = "Specialise an input to a constant and fold what follows, e.g. --bind sr=16000 (an If on it is inlined, " +
                          "the dead branch dropped); the value takes the input's type and shape, a 1-D input takes a list " +
                          "(--bind ids=1,2,3); several bindings separated by commas or by repeating --bind",
            HelpName = "NAME=VALUE[,NAME=VALUE...]",
        };
        var external = new Option<bool>("--external-data")
        {
            Description = "Store tensors of at least --external-data-threshold bytes in '<output>.data' next to the output",
        };
        var threshold = new Option<long>("--external-data-threshold")
        {
            Description = "Smallest tensor, in bytes, that goes to external data",
            DefaultValueFactory = _ => new ModelSaveOptions().ExternalDataThreshold,
            HelpName = "BYTES",
        };
        var json = new Option<bool>("--json") { Description = "Write the report as one JSON object on stdout, nothing else" };
        var command = new Command("optimize",
            "Optimize an ONNX model offline: fix input shapes, convert the opset, then run graph passes (eliminations, " +
            "constant folding, fusions into weights, common subexpressions) to a fixpoint. Prints what each pass did; " +
            "the output is written to a temporary file and moved into place.")
        {
            model, input, output, level, targetOpset, passes, skipPasses, fixedShapes, bind, external, threshold, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            var request = new OptimizeRequest(
                Arguments.ResolveInput(parse.GetValue(model), parse.GetValue(input)),
                parse.GetValue(output) ?? throw new UsageException("missing output: give -o/--output PATH for the optimized model"),
                new OptimizationOptions
                {
                    Level = ParseLevel(parse.GetValue(level)!),
                    TargetOpset = parse.GetValue(targetOpset),
                    Passes = parse.GetValue(passes) is { Length: > 0 } only ? NonEmpty(Arguments.SplitNames(only)) : null,
                    SkipPasses = Arguments.SplitNames(parse.GetValue(skipPasses) ?? []),
                    FixedShapes = ParseFixedShapes(parse.GetValue(fixedShapes) ?? []),
                    Bindings = ParseBindings(parse.GetValue(bind) ?? []),
                },
                new ModelSaveOptions { ExternalData = parse.GetValue(external), ExternalDataThreshold = parse.GetValue(threshold) });
            return Run(context, request, parse.GetValue(json));
        });
        return command;
    }

    private static int Run(CommandContext context, OptimizeRequest request, bool asJson)
    {
        InvalidOptionsException.ThrowIfAny([.. request.Options.Validate(), .. request.SaveOptions.Validate()]); // before the model is read
        var (inputPath, outputPath) = Arguments.InputAndOutput(request.Input, request.Output, "optimized model");

        var watch = Stopwatch.StartNew();
        using var model = Model.Load(inputPath);
        var inputBytes = FileBytes(inputPath, model);
        var opsetBefore = model.GetOpset();
        OptimizationResult result;
        try
        {
            result = context.Log.Profile.Capabilities.Ansi
                ? context.Log.Status().Start($"Optimizing {Path.GetFileName(inputPath)}...", _ => ModelOptimizer.Optimize(model, request.Options))
                : ModelOptimizer.Optimize(model, request.Options);
        }
        catch (UnsupportedOperatorException e)
        {
            // Name the model the operator is in; the type (and so the exit code) stays.
            throw new UnsupportedOperatorException($"{Path.GetFileName(inputPath)}: {e.Message}", e);
        }
        model.Save(outputPath, request.SaveOptions);
        long outputBytes;
        using (var saved = Model.Load(outputPath)) outputBytes = FileBytes(outputPath, saved);

        var report = OptimizeReport.Create(inputPath, outputPath, request.Options, opsetBefore, model.GetOpset(), result, inputBytes, outputBytes, watch.Elapsed);
        if (asJson) CommandRunner.WriteJson(context, report);
        else
        {
            OptimizeRenderer.Render(context.Console, report);
            if (context.Verbose) foreach (var note in report.Notes) context.Error.WriteLine($"note: {note}");
        }
        return ExitCodes.Ok;
    }

    private static PassLevel ParseLevel(string text) => text.ToUpperInvariant() switch
    {
        "BASIC" => PassLevel.Basic,
        "EXTENDED" => PassLevel.Extended,
        _ => throw new UsageException($"--level '{text}': expected basic or extended"),
    };

    private static List<string> NonEmpty(List<string> names) =>
        names.Count > 0 ? names : throw new UsageException($"--passes names no pass; valid passes: {string.Join(", ", PassRegistry.Names)}");

    /// <summary>Parses <c>NAME=1x3x224x224</c> (commas also separate dims); the name is everything before the last '='.</summary>
    internal static Dictionary<string, long[]> ParseFixedShapes(IEnumerable<string> values)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.LastIndexOf('=');
            var parts = eq < 0 ? [] : value[(eq + 1)..].Split(['x', 'X', ','], StringSplitOptions.TrimEntries);
            var dims = new long[parts.Length];
            var ok = eq > 0 && parts.Length > 0;
            for (var i = 0; ok && i < parts.Length; i++)
                ok = long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]);
            // Syntax only; OptimizationOptions.Validate refuses a dim below 1.
            if (!ok)
                throw new UsageException($"--fixed-shape '{value}': expected NAME=DIMS with positive integer dims separated by 'x', e.g. input=1x3x224x224");
            var name = value[..eq];
            if (!shapes.TryAdd(name, dims))
                throw new UsageException($"--fixed-shape: input '{name}' is given twice");
        }
        return shapes;
    }

    /// <summary>
    /// Parses <c>NAME=VALUE[,NAME=VALUE...]</c> from each --bind. Commas separate bindings and list elements alike: an
    /// item with '=' starts a binding, an item without one extends the previous binding's list (<c>ids=1,2,3,sr=16000</c>).
    /// </summary>
    internal static Dictionary<string, string> ParseBindings(IEnumerable<string> values)
    {
        var bindings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            string? current = null;
            foreach (var item in value.Split(',', StringSplitOptions.TrimEntries))
            {
                var eq = item.IndexOf('=');
                if (eq < 0)
                {
                    if (current is null || item.Length == 0)
                        throw new UsageException($"--bind '{value}': expected NAME=VALUE, e.g. sr=16000 (a list for a 1-D input: ids=1,2,3)");
                    bindings[current] += "," + item;
                    continue;
                }
                current = item[..eq].Trim();
                var text = item[(eq + 1)..].Trim();
                if (current.Length == 0 || text.Length == 0)
                    throw new UsageException($"--bind '{value}': expected NAME=VALUE, e.g. sr=16000 (a list for a 1-D input: ids=1,2,3)");
                if (!bindings.TryAdd(current, text))
                    throw new UsageException($"--bind: input '{current}' is given twice");
            }
        }
        return bindings;
    }

    /// <summary>The model file plus the external data files it references, in bytes.</summary>
    private static long FileBytes(string path, Model model) =>
        FileSizes.Of(path) + model.Graph.AllGraphs()
            .SelectMany(g => g.Initializers)
            .Select(v => v.Initializer?.External?.FullPath).OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Sum(FileSizes.Of);

    private sealed record OptimizeRequest(string Input, string Output, OptimizationOptions Options, ModelSaveOptions SaveOptions);
}
