using System.CommandLine;
using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Onnx;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt inspect MODEL [--json] [--dim NAME=SIZE]... [--top N]</c>: profiles a model (parameters, weight bytes,
/// MACs/FLOPs per op type, peak activation memory, largest tensors, flagged ops) without changing the file.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "The .onnx model file to inspect (read only)" };
        var json = new Option<bool>("--json") { Description = "Write the profile as one JSON object on stdout, nothing else" };
        var dims = new Option<string[]>("--dim")
        {
            Description = "Size for a symbolic dim, as NAME=SIZE (e.g. --dim N=1); repeat for several. " +
                          "Nodes whose shapes keep an unsized symbol are reported as not counted",
            HelpName = "NAME=SIZE",
        };
        var top = new Option<int>("--top")
        {
            Description = "How many of the largest tensors to list",
            DefaultValueFactory = _ => new ProfileOptions().LargestTensorCount,
        };
        var command = new Command("inspect",
            "Profile an ONNX model: producer, opsets, inputs/outputs, op histogram, parameters and weight bytes by type, " +
            "MACs and FLOPs per op type, peak activation memory, the largest tensors, and operators outside the ONNX " +
            "opset (ORT contrib, custom domains). See docs/cli.md for the counting conventions.")
        {
            model, json, dims, top,
        };
        CommandRunner.SetAction(command, (parse, context) =>
            Run(context, parse.GetValue(model)!, parse.GetValue(json), parse.GetValue(dims) ?? [], parse.GetValue(top)));
        return command;
    }

    private static int Run(CommandContext context, string path, bool asJson, string[] dims, int top)
    {
        var options = new ProfileOptions { DimensionValues = ParseDims(dims), LargestTensorCount = top };
        ModelProfile profile;
        using (var model = Model.Load(path)) profile = ModelProfile.Analyze(model, options);

        if (asJson) InspectRenderer.WriteJson(context.Output, path, profile);
        else InspectRenderer.Render(context.Console, path, profile);
        return ExitCodes.Ok;
    }

    internal static Dictionary<string, long> ParseDims(string[] dims)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var d in dims)
        {
            var eq = d.IndexOf('=', StringComparison.Ordinal);
            // Syntax only; a size below 1 is ProfileOptions.Validate's to refuse.
            if (eq <= 0 || !long.TryParse(d.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                throw new UsageException($"--dim '{d}': expected NAME=SIZE with a positive integer size, e.g. --dim N=1");
            result[d[..eq]] = size;
        }
        return result;
    }
}
