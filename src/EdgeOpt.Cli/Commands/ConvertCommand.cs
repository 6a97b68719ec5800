using System.CommandLine;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Onnx.Tflite;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt convert MODEL -o OUT [--external-data ...]</c>: rewrites a model through the IR, moving weights into
/// external data files (or back inline); a TensorFlow Lite model becomes ONNX. The output is written atomically; the
/// input is never modified.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model")
        {
            Description = "The .onnx model to read (external data is resolved next to it), or a TensorFlow Lite .tflite model to convert to ONNX",
        };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the model", Required = true };
        var external = new Option<bool>("--external-data")
        {
            Description = "Store tensors of at least --external-data-threshold bytes in external data files " +
                          "(without it, every tensor is written inline; models over 2 GiB always use external data)",
        };
        var threshold = new Option<long>("--external-data-threshold")
        {
            Description = "Smallest tensor, in bytes, that goes to external data",
            DefaultValueFactory = _ => new ModelSaveOptions().ExternalDataThreshold,
            HelpName = "BYTES",
        };
        var location = new Option<string?>("--external-data-location")
        {
            Description = "External data file name, relative to the output's folder (default: <output file name>.data)",
            HelpName = "NAME",
        };
        var perTensor = new Option<bool>("--external-data-per-tensor") { Description = "Write one external file per tensor instead of one shared file" };
        var keepFloat16 = new Option<bool>("--keep-float16-weights")
        {
            Description = "TFLite input: keep float16 weights as float16 initializers with a Cast (half the size) instead of folding them to float32",
        };
        var signature = new Option<string?>("--signature")
        {
            Description = "TFLite input: the signature to convert (its key, e.g. serving_default; default: the first subgraph)",
            HelpName = "KEY",
        };
        var json = new Option<bool>("--json") { Description = "Write the result as one JSON object on stdout, nothing else" };
        var command = new Command("convert",
            "Rewrite an ONNX model through EdgeOpt's IR: move large weights into external data files (one file or one per " +
            "tensor) or bring them back inline. A TensorFlow Lite model (.tflite) is converted to ONNX: NCHW inside, its own " +
            "NHWC inputs and outputs kept, quantized tensors as QDQ. The result is written to a temporary file and moved into place.")
        {
            model, output, external, threshold, location, perTensor, keepFloat16, signature, json,
        };
        CommandRunner.SetAction(command, (parse, context) =>
        {
            var options = new ModelSaveOptions
            {
                ExternalData = parse.GetValue(external),
                ExternalDataThreshold = parse.GetValue(threshold),
                ExternalDataLocation = parse.GetValue(location),
                ExternalDataFilePerTensor = parse.GetValue(perTensor),
            };
            var tflite = new TfliteConversionOptions { KeepFloat16Weights = parse.GetValue(keepFloat16), Signature = parse.GetValue(signature) };
            return Run(context, parse.GetValue(model)!, parse.GetValue(output)!, options, tflite, parse.GetValue(json));
        });
        return command;
    }

    private static int Run(CommandContext context, string input, string output, ModelSaveOptions options, TfliteConversionOptions tflite, bool asJson)
    {
        InvalidOptionsException.ThrowIfAny(options.Validate()); // before the model is read
        if (!options.ExternalData && (options.ExternalDataLocation is not null || options.ExternalDataFilePerTensor))
            throw new UsageException("--external-data-location and --external-data-per-tensor need --external-data");
        var isTflite = TfliteConverter.IsTflite(input);
        if (!isTflite && (tflite.KeepFloat16Weights || tflite.Signature is not null))
            throw new UsageException($"--keep-float16-weights and --signature apply to TensorFlow Lite models; '{input}' is not one");

        using var model = isTflite ? TfliteConverter.Convert(input, tflite) : Model.Load(input);
        model.Save(output, options);

        // Report what was written, read back from the saved file.
        using var saved = Model.Load(output);
        var tensors = saved.Graph.AllGraphs().SelectMany(g => g.Initializers).Select(v => v.Initializer).OfType<Tensor>().ToList();
        var externalFiles = tensors.Select(t => t.External).OfType<ExternalDataInfo>()
            .GroupBy(e => e.Location, StringComparer.Ordinal)
            .Select(g => new ExternalFile(g.Key, new FileInfo(g.First().FullPath).Length, g.Count()))
            .OrderBy(f => f.Location, StringComparer.Ordinal)
            .ToList();
        var result = new ConvertResult(
            Path.GetFullPath(input),
            Path.GetFullPath(output),
            new FileInfo(output).Length,
            tensors.Count,
            tensors.Count(t => t.External is not null),
            externalFiles,
            isTflite ? "tflite" : "onnx",
            saved.Graph.Nodes.Count,
            saved.GetOpset() ?? 0);

        if (asJson)
        {
            CommandRunner.WriteJson(context, result);
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumn("").AddColumn("");
        table.HideHeaders();
        table.AddRow("Input", Markup.Escape(result.Input) + (isTflite ? " (TensorFlow Lite)" : ""));
        table.AddRow("Output", Markup.Escape(result.Output));
        table.AddRow("Model file", $"{result.ModelBytes:N0} bytes");
        table.AddRow("Graph", $"{result.Nodes:N0} nodes, opset {result.Opset}");
        table.AddRow("Initializers", $"{result.Tensors:N0} ({result.ExternalTensors:N0} in external data)");
        foreach (var f in externalFiles)
            table.AddRow("External file", Markup.Escape($"{f.Location}: {f.Bytes:N0} bytes, {f.Tensors:N0} tensors"));
        context.Console.Write(table);
        return ExitCodes.Ok;
    }

    private sealed record ExternalFile(string Location, long Bytes, int Tensors);

    private sealed record ConvertResult(string Input, string Output, long ModelBytes, int Tensors, int ExternalTensors, IReadOnlyList<ExternalFile> ExternalFiles,
        string InputFormat, int Nodes, long Opset);
}
