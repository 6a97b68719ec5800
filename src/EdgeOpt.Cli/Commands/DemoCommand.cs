using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeOpt.Analysis;
using EdgeOpt.Deployment;
using EdgeOpt.Onnx;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt demo</c>: deploys the embedded Fashion-MNIST model to a Pixel 7 keeping 99% of its FP32 accuracy
/// (<see cref="EdgeDeployer"/>, the same search as <c>edgeopt deploy</c>), with the embedded test images as data (the
/// first 100 calibrate, the other 900 evaluate). Prints the model, the candidate table, the choice with its margins,
/// and the path of a new temporary folder holding the deployment and its report. Needs no files and no network.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The device and constraint the demo deploys for.</summary>
    public const string Device = "pixel-7";

    public const double TargetAccuracy = 0.99;

    public const int CalibrationImages = 100;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Write the model summary and the deployment report as JSON on stdout (progress still goes to stderr)" };
        var command = new Command("demo",
            $"Deploy the embedded Fashion-MNIST CNN to a {Device} keeping {TargetAccuracy:P0} of its FP32 accuracy: search its variants " +
            "(precision, per-channel, threads, backends), measure each with ONNX Runtime on 1,000 embedded test images (100 calibrate), " +
            "estimate it on the phone, and write the chosen model with report.json and report.html to a new temporary folder. Runs offline.")
        {
            json,
        };
        CommandRunner.SetAction(command, (parse, context) => Run(context, parse.GetValue(json)));
        return command;
    }

    private static int Run(CommandContext context, bool asJson)
    {
        var modelBytes = DemoAssets.ModelBytes();
        ModelSummary summary;
        using (var model = Model.Parse(modelBytes)) summary = ModelSummary.Of(model, DemoAssets.ModelName, modelBytes.Length);

        // The deployment reads files: the model and the test split go to a new temporary folder, next to the output.
        var root = Directory.CreateTempSubdirectory("edgeopt-demo-").FullName;
        var inputs = DemoAssets.WriteTo(Path.Combine(root, "inputs"));
        var output = Path.Combine(root, "deployment");
        var deployer = EdgeDeployer.Create(Device, new OptimizationConfig { TargetAccuracy = TargetAccuracy },
            new DeployerOptions { Command = "edgeopt demo" });
        var data = new DeploymentData { Path = inputs.TestImages, LabelsPath = inputs.TestLabels, CalibrationSamples = CalibrationImages };
        var result = DeployCommand.Deploy(context, deployer, inputs.Model, data, output);

        if (asJson)
        {
            var report = new JsonObject
            {
                ["model"] = JsonSerializer.SerializeToNode(summary, CommandRunner.Json),
                ["outputFolder"] = output,
                ["report"] = Path.Combine(output, "report.html"),
                ["deployment"] = JsonNode.Parse(result.ToJson()),
            };
            context.Output.WriteLine(report.ToJsonString(CommandRunner.Json));
        }
        else
        {
            RenderModel(context.Console, summary);
            DeployRenderer.Render(context.Console, result, output);
            context.Console.MarkupLine($"[bold]Report:[/] {Markup.Escape(Path.Combine(output, "report.html"))}");
        }
        return result.ConstraintsMet ? ExitCodes.Ok : ExitCodes.ConstraintsNotMet;
    }

    private static void RenderModel(IAnsiConsole console, ModelSummary m)
    {
        var model = new Table().Title("[bold]Demo model[/]").AddColumns("Property", "Value").HideHeaders();
        model.AddRow("File", Markup.Escape($"{m.File} ({m.SizeBytes:N0} bytes, embedded)"));
        model.AddRow("Graph", Markup.Escape(m.Graph));
        model.AddRow("IR / opset", Markup.Escape($"IR {m.IrVersion}, opset {m.Opset?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));
        foreach (var input in m.Inputs) model.AddRow("Input", Markup.Escape($"{input.Name}: {input.Type}"));
        foreach (var output in m.Outputs) model.AddRow("Output", Markup.Escape($"{output.Name}: {output.Type}"));
        model.AddRow("Nodes", m.Nodes.ToString("N0", CultureInfo.InvariantCulture));
        model.AddRow("Operators", Markup.Escape(string.Join(", ", m.Operators.Select(o => $"{o.Op} x{o.Count}"))));
        model.AddRow("Parameters", Markup.Escape($"{m.Parameters:N0} ({m.WeightBytes:N0} bytes of weights)"));
        model.AddRow("MACs / image", m.MacsPerImage is { } macs ? macs.ToString("N0", CultureInfo.InvariantCulture) : "not estimated");
        model.AddRow("Data", Markup.Escape($"Fashion-MNIST test split, first 1,000 images (embedded): {CalibrationImages} calibrate, the rest evaluate"));
        model.AddRow("Target", Markup.Escape($"{Device}, keep {TargetAccuracy:P0} of the FP32 accuracy"));
        console.Write(model);
    }

    internal sealed record ModelSummary(
        string File, long SizeBytes, string Graph, string Producer, long IrVersion, long? Opset,
        IReadOnlyList<ValueInfo> Inputs, IReadOnlyList<ValueInfo> Outputs,
        int Nodes, IReadOnlyList<OperatorCount> Operators, long Parameters, long WeightBytes, long? MacsPerImage)
    {
        public static ModelSummary Of(Model model, string file, long sizeBytes)
        {
            // Cost one image: bind each input's symbolic batch dim to 1.
            var batchSymbols = model.Graph.Inputs
                .Select(v => v.Shape is { Rank: > 0 } s ? s[0].Symbol : null).OfType<string>().Distinct()
                .ToDictionary(s => s, _ => 1L);
            var profile = ModelProfile.Analyze(model, new ProfileOptions { DimensionValues = batchSymbols, LargestTensorCount = 0 });
            return new ModelSummary(
                file, sizeBytes, model.Graph.Name,
                $"{profile.ProducerName} {profile.ProducerVersion}".Trim(),
                profile.IrVersion, model.GetOpset(),
                [.. profile.Inputs.Select(v => new ValueInfo(v.Name, v.Type))],
                [.. profile.Outputs.Select(v => new ValueInfo(v.Name, v.Type))],
                profile.TotalNodes,
                [.. profile.OpCounts.Select(o => new OperatorCount(o.Key, o.Value))],
                profile.Parameters,
                profile.WeightBytes,
                profile.NotCounted.Count == 0 ? profile.Macs : null);
        }
    }

    internal sealed record ValueInfo(string Name, string Type);

    internal sealed record OperatorCount(string Op, int Count);
}
