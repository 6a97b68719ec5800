using System.CommandLine;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Web;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt web MODEL -o web/ [--backend auto|wasm|webgpu|webgl] [--progressive] [--pwa] [--threads N]</c>: a static
/// site that runs the model in the browser with onnxruntime-web (shipped, no CDN). MODEL <c>demo</c> is the embedded
/// Fashion-MNIST model with a real test image as its sample and the class names.
/// </summary>
internal static class WebCommand
{
    /// <summary>The library's defaults are the CLI's.</summary>
    private static readonly WebBundleOptions Defaults = new();

    public const string DemoModel = "demo";

    public static Command Create()
    {
        var input = new Argument<string?>("model")
        {
            Description = "The .onnx model, or 'demo' for the embedded Fashion-MNIST model",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var inputOption = new Option<string?>("--input", "-i") { Description = "The .onnx model (instead of MODEL)" };
        var output = new Option<string>("--output", "-o") { Description = "Bundle folder to write", Required = true };
        var backend = new Option<string>("--backend")
        {
            Description = "auto (WebGPU when available, else WebAssembly), wasm, webgpu or webgl",
            DefaultValueFactory = _ => Defaults.Backend.ToString().ToLowerInvariant(),
        };
        // Checked in ParseBackend rather than AcceptOnlyFromAmong: one line naming --backend instead of a multi-line list.
        var progressive = new Option<bool>("--progressive") { Description = "Cut the weights into content-addressed chunks (per-chunk progress, cache and delta updates)" };
        var chunkSize = new Option<string>("--chunk-size") { Description = "With --progressive: bytes per chunk, e.g. 4MB", DefaultValueFactory = _ => Units.Bytes(ProgressiveOptions.DefaultChunkSize) };
        var pwa = new Option<bool>("--pwa") { Description = "Add a service worker (works offline after one visit), manifest.webmanifest and icons" };
        var threads = new Option<int>("--threads") { Description = "WebAssembly threads (0: the browser's core count)", DefaultValueFactory = _ => Defaults.Threads };
        var powerMode = new Option<string>("--power-mode")
        {
            Description = "The page's power mode unless a low battery calls for battery-saver: performance, balanced or battery-saver (users can still switch)",
            DefaultValueFactory = _ => Defaults.PowerMode,
        };
        var saverAt = new Option<double>("--saver-at")
        {
            Description = "Battery level (0-1) at or below which a discharging device switches the page to battery-saver; 0 never switches",
            DefaultValueFactory = _ => Defaults.SaverBatteryLevel,
        };
        var title = new Option<string?>("--title") { Description = "Page title (default: the model name)" };
        var sample = new Option<string?>("--sample")
        {
            Description = "The input the page runs on load: an image, .npy, .npz, .pb or test_data_set folder (first sample); default: seeded random values",
            HelpName = "DATA",
        };
        var classNames = new Option<string?>("--class-names") { Description = "Text file with one class name per line, for the top-classes table", HelpName = "FILE" };
        var force = new Option<bool>("--force") { Description = "Replace an earlier EdgeOpt output in the folder (never a folder holding the model or files EdgeOpt did not write)" };
        var json = new Option<bool>("--json") { Description = "Write the result as one JSON object on stdout, nothing else" };
        var data = new DataOptions();

        var command = new Command("web",
            "Build a static web bundle that runs the model in the browser with onnxruntime-web " + OnnxRuntimeWeb.Version +
            ": demo page with progress bar, verifying model loader, optional service worker and PWA manifest. Serve it with `edgeopt serve`.")
        {
            input, inputOption, output, backend, progressive, chunkSize, pwa, threads, powerMode, saverAt, title, sample, classNames, force, json,
        };
        foreach (var option in data.All.Where(o => o != data.Labels)) command.Options.Add(option);

        CommandRunner.SetAction(command, (parse, context) =>
        {
            var model = Arguments.ResolveInput(parse.GetValue(input), parse.GetValue(inputOption));
            var options = new WebBundleOptions
            {
                Backend = ParseBackend(parse.GetValue(backend)!),
                Progressive = parse.GetValue(progressive),
                ChunkSize = ProgressiveCommand.ParseSize(parse.GetValue(chunkSize)!, "--chunk-size"),
                Pwa = parse.GetValue(pwa),
                Threads = parse.GetValue(threads),
                PowerMode = parse.GetValue(powerMode)!.Trim().ToLowerInvariant(),
                SaverBatteryLevel = parse.GetValue(saverAt),
                Title = parse.GetValue(title),
                Force = parse.GetValue(force),
                Image = data.SourceOptions(parse).Image,
            };
            if (parse.GetValue(classNames) is { } namesFile) options = options with { Labels = ReadClassNames(namesFile) };

            var bundle = model == DemoModel && !File.Exists(model)
                ? BuildDemo(context, parse.GetValue(output)!, options, parse.GetValue(sample) is not null)
                : Build(context, model, parse.GetValue(output)!, options, parse.GetValue(sample), data, parse);
            if (parse.GetValue(json)) CommandRunner.WriteJson(context, bundle);
            else WebRenderer.Render(context.Console, bundle);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static WebBundle Build(CommandContext context, string model, string output, WebBundleOptions options, string? sample, DataOptions data, ParseResult parse)
    {
        if (sample is not null)
        {
            using var loaded = Model.Load(model);
            var source = data.Open(parse, sample, loaded, "sample");
            if (source.Count == 0) throw new UsageException($"--sample '{sample}' holds no samples");
            options = options with { Sample = source.Read(0), SampleDescription = $"first sample of {source.Description}" };
        }
        return ProgressDisplay.WithStatus(context, "Building web bundle", _ => WebBundler.Build(model, output, options));
    }

    // The embedded demo: its model bytes go through a temporary file (the bundler reads files), its sample is the first
    // Fashion-MNIST test image (pixel / 255, the demo model's preprocessing), its class names Fashion-MNIST's.
    private static WebBundle BuildDemo(CommandContext context, string output, WebBundleOptions options, bool sampleGiven)
    {
        if (sampleGiven) throw new UsageException("--sample is not used with the demo model: its sample is a Fashion-MNIST test image");
        var folder = Directory.CreateTempSubdirectory("edgeopt-web-demo-");
        using var scratch = PendingWrites.TrackScratch(folder.FullName);
        try
        {
            var path = Path.Combine(folder.FullName, DemoAssets.ModelName);
            File.WriteAllBytes(path, DemoAssets.ModelBytes());
            var test = DemoAssets.TestSet();
            var pixels = test.Image(0).ToArray().Select(p => p / 255f).ToArray();
            options = options with
            {
                Sample = new Dictionary<string, Tensor> { ["input"] = Tensor.Create<float>("input", pixels, 1, 1, test.Rows, test.Cols) },
                SampleDescription = $"Fashion-MNIST test image 0 (label: {DemoAssets.ClassNames[test.Label(0)]})",
                Labels = options.Labels ?? DemoAssets.ClassNames,
                Title = options.Title ?? "EdgeOpt demo: Fashion-MNIST CNN",
            };
            return ProgressDisplay.WithStatus(context, "Building web bundle", _ => WebBundler.Build(path, output, options));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static WebBackend ParseBackend(string name) => name switch
    {
        "auto" => WebBackend.Auto,
        "wasm" => WebBackend.Wasm,
        "webgpu" => WebBackend.WebGpu,
        "webgl" => WebBackend.WebGl,
        _ => throw new UsageException($"--backend '{name}': expected auto, wasm, webgpu or webgl"),
    };

    private static List<string> ReadClassNames(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--class-names '{path}' does not exist");
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (names.Count == 0) throw new UsageException($"--class-names '{path}' holds no names (expected one per line)");
        return names;
    }
}
