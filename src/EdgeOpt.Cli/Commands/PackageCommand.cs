using System.CommandLine;
using EdgeOpt.Onnx;
using EdgeOpt.Targets;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt package MODEL --target android|ios|jetson|raspberry-pi|linux-arm64|linux-x64|web -o OUT/ [--device NAME]
/// [--precision fp32|fp16|int8|int8-dynamic] [--data DATA] [--shape-range NAME=MIN:OPT:MAX]... [--json]</c>: what each
/// platform's developers ship, made and checked with ONNX Runtime (<see cref="Packager"/>). MODEL <c>demo</c> is the
/// embedded Fashion-MNIST model.
/// </summary>
internal static class PackageCommand
{
    private static readonly PackageOptions Defaults = new();

    public static Command Create()
    {
        var input = new Argument<string?>("model") { Description = "The .onnx model, or 'demo' for the embedded Fashion-MNIST model", Arity = ArgumentArity.ZeroOrOne };
        var inputOption = new Option<string?>("--input", "-i") { Description = "The .onnx model (instead of MODEL)" };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (new or empty, or an earlier package with --force)", Required = true };
        var target = new Option<string>("--target", "-t")
        {
            Description = $"The platform: {string.Join(", ", PackageTargets.All.Select(PackageTargets.Name))}",
            Required = true,
            HelpName = "TARGET",
        };
        var device = new Option<string?>("--device")
        {
            Description = "Catalogue device to tune for (threads, power mode, accelerator); default: " +
                          string.Join(", ", PackageTargets.All.Where(t => Packager.DefaultDevice(t) is not null).Select(t => $"{PackageTargets.Name(t)} {Packager.DefaultDevice(t)}")),
            HelpName = "NAME",
        };
        var precision = new Option<string>("--precision")
        {
            Description = "fp32, fp16 (TensorRT/NNAPI/Core ML compute in half precision), int8 (static QDQ, needs --data) or int8-dynamic (CPU targets)",
            DefaultValueFactory = _ => PackagePrecisions.Name(Defaults.Precision),
            HelpName = "PRECISION",
        };
        var data = new Option<string?>("--data")
        {
            Description = "int8 calibration data, the same forms as quantize --calib: image folder, .npy, .npz, .pb, test_data_set folder, IDX",
            HelpName = "DATA",
        };
        var samples = new Option<int?>("--samples") { Description = "Calibration samples read from --data (default: the quantizer's)", HelpName = "N" };
        var shapeRange = new Option<string[]>("--shape-range")
        {
            Description = "Run-time shapes of an input with symbolic dims, NAME=MIN:OPT:MAX with shapes like 1x3x224x224 (TensorRT profiles), or NAME=SHAPE",
            HelpName = "NAME=MIN:OPT:MAX",
            AllowMultipleArgumentsPerToken = false,
        };
        var noRunnerBuild = new Option<bool>("--no-runner-build")
        {
            Description = "linux targets: ship the runner's source and build script instead of publishing it with the .NET SDK",
        };
        var force = new Option<bool>("--force") { Description = "Replace an earlier EdgeOpt package in the folder (never a folder holding the model or files EdgeOpt did not write)" };
        var json = new Option<bool>("--json") { Description = "Write the result as one JSON object on stdout, nothing else" };
        var dataOptions = new DataOptions();

        var command = new Command("package",
            "Package a model for a platform the way its developers ship it: Android/iOS ORT format models with reduced-build operator configs and " +
            "NNAPI/Core ML reports, Jetson TensorRT profiles and INT8 calibration caches, an Arm/x64 Linux runner, or a web bundle; every file checked with ONNX Runtime here")
        {
            input, inputOption, output, target, device, precision, data, samples, shapeRange, noRunnerBuild, force, json,
        };
        foreach (var option in dataOptions.All.Where(o => o != dataOptions.Labels)) command.Options.Add(option);

        CommandRunner.SetAction(command, (parse, context) =>
        {
            var model = Arguments.ResolveInput(parse.GetValue(input), parse.GetValue(inputOption));
            var targetName = parse.GetValue(target)!;
            var options = new PackageOptions
            {
                Target = PackageTargets.Parse(targetName)
                         ?? throw new UsageException($"--target '{targetName}' is not a target; expected one of {string.Join(", ", PackageTargets.All.Select(PackageTargets.Name))}"),
                Device = parse.GetValue(device),
                Precision = PackagePrecisions.Parse(parse.GetValue(precision)!)
                            ?? throw new UsageException($"--precision '{parse.GetValue(precision)}' is not one of {string.Join(", ", PackagePrecisions.All.Select(PackagePrecisions.Name))}"),
                ShapeRanges = (parse.GetValue(shapeRange) ?? []).Select(ShapeRange.Parse).ToList(),
                CalibrationSamples = parse.GetValue(samples),
                PublishRunner = !parse.GetValue(noRunnerBuild),
                Force = parse.GetValue(force),
            };
            var package = model == WebCommand.DemoModel && !File.Exists(model)
                ? WithDemoModel(path => Build(context, path, parse, options, parse.GetValue(output)!, parse.GetValue(data), dataOptions))
                : Build(context, model, parse, options, parse.GetValue(output)!, parse.GetValue(data), dataOptions);
            if (parse.GetValue(json)) CommandRunner.WriteJson(context, package);
            else PackageRenderer.Render(context.Console, package);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static PlatformPackage Build(CommandContext context, string model, ParseResult parse, PackageOptions options, string output, string? data,
        DataOptions dataOptions)
    {
        Data.ISampleSource? calibration = null;
        if (data is not null)
        {
            using var loaded = Model.Load(model);
            calibration = dataOptions.Open(parse, data, loaded, "calibration");
        }
        return ProgressDisplay.WithStatus(context, $"Packaging for {PackageTargets.Name(options.Target)}",
            progress => Packager.Package(model, output, options, calibration, progress));
    }

    // The embedded demo model goes through a temporary file: the packager reads files.
    private static PlatformPackage WithDemoModel(Func<string, PlatformPackage> build)
    {
        var folder = Directory.CreateTempSubdirectory("edgeopt-package-demo-");
        using var scratch = PendingWrites.TrackScratch(folder.FullName);
        try
        {
            var path = Path.Combine(folder.FullName, DemoAssets.ModelName);
            File.WriteAllBytes(path, DemoAssets.ModelBytes());
            return build(path);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
