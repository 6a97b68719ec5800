using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Progressive;

namespace EdgeOpt.Web;

/// <summary>
/// Builds a static web bundle that runs a model in the browser with onnxruntime-web: the demo page (index.html, app.js),
/// the verifying model loader (loader.js), the model as a package (<c>model/</c>, chunked with
/// <see cref="WebBundleOptions.Progressive"/>), onnxruntime-web's files (<c>ort/</c>), a sample input, and with
/// <see cref="WebBundleOptions.Pwa"/> a service worker, web app manifest and icons. Serve it with COOP/COEP headers
/// (<c>edgeopt serve</c>) so WebAssembly threads work.
/// </summary>
public static class WebBundler
{
    public const string ConfigFileName = "bundle.json";
    public const string ModelFolder = "model";
    public const string RuntimeFolder = "ort";

    private static readonly string[] AppAssets = ["index.html", "app.js", "loader.js", "style.css"];

    /// <summary>
    /// Writes the bundle for <paramref name="modelPath"/> into <paramref name="outputFolder"/>, atomically (a temporary
    /// sibling moved into place) and deterministically (same inputs, byte-identical files).
    /// </summary>
    /// <exception cref="UsageException">Bad options, unsupported inputs, sample mismatch, runtime files missing, or the output folder refused.</exception>
    /// <exception cref="FileNotFoundException">The model does not exist.</exception>
    public static WebBundle Build(string modelPath, string outputFolder, WebBundleOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentNullException.ThrowIfNull(options);
        var input = Path.GetFullPath(modelPath);
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputFolder));
        ThrowHelper.IfInvalid(options.Validate());
        if (!File.Exists(input)) throw new FileNotFoundException($"model '{modelPath}' not found", modelPath);
        AtomicFolder.Validate(input, outputFolder, output, options.Force, "web bundle", BundleFolder.FindForeign);
        var runtimeFiles = OnnxRuntimeWeb.FilesFor(options.Backend);
        var runtimeFolder = OnnxRuntimeWeb.Locate(runtimeFiles);

        using var model = Model.Load(input);
        var feedable = FeedableInputs(model);
        var (sample, sampleDescription) = options.Sample is { } given
            ? (given, options.SampleDescription ?? "the sample input given")
            : (SampleSources.Open("random:1", model).Read(0), "synthetic: seeded random values, not a real input");
        var inputs = DescribeInputs(feedable, sample);
        var image = ImageConfig(inputs, options.Image);

        var notes = new List<string>();
        var packaged = FixShapesForWebGl(model, inputs, options.Backend, notes);
        using var scratch = packaged is null ? null : PendingWrites.TrackScratch(packaged);
        try
        {
            var plan = new BundlePlan(packaged ?? input, model, inputs, image, runtimeFolder, runtimeFiles, sampleDescription, notes);
            return AtomicFolder.Write(output, temp => Write(temp, output, plan, options),
                revalidate: () => AtomicFolder.Validate(input, outputFolder, output, options.Force, "web bundle", BundleFolder.FindForeign));
        }
        finally
        {
            if (packaged is not null) File.Delete(packaged);
        }
    }

    /// <summary>Everything decided before writing: the model file to package, its feeds, the runtime files, notes.</summary>
    private sealed record BundlePlan(
        string ModelFile, Model Model, List<(WebInputConfig Config, Tensor Tensor)> Inputs, WebImageConfig? Image,
        string RuntimeFolder, IReadOnlyList<string> RuntimeFiles, string SampleDescription, List<string> Notes);

    private static WebBundle Write(string temp, string output, BundlePlan plan, WebBundleOptions options)
    {
        var (modelFile, model, inputs, image, runtimeFolder, runtimeFiles, sampleDescription, notes) = plan;
        var manifest = ProgressivePackager.Package(modelFile, Path.Combine(temp, ModelFolder), new ProgressiveOptions
        {
            ChunkSize = options.ChunkSize,
            // One file: every initializer stays inline, so the graph file is the whole model.
            MinChunkedTensorBytes = options.Progressive ? new ProgressiveOptions().MinChunkedTensorBytes : long.MaxValue,
        });

        Directory.CreateDirectory(Path.Combine(temp, RuntimeFolder));
        foreach (var file in runtimeFiles) File.Copy(Path.Combine(runtimeFolder, file), Path.Combine(temp, RuntimeFolder, file));

        Directory.CreateDirectory(Path.Combine(temp, "sample"));
        foreach (var (config, tensor) in inputs) File.WriteAllBytes(Path.Combine(temp, config.Sample), tensor.RawBytes.ToArray());

        var bundleConfig = new WebBundleConfig
        {
            Title = options.Title ?? manifest.ModelName,
            Backend = BackendName(options.Backend),
            Threads = options.Threads,
            MaxThreads = WebBundleOptions.MaxThreads,
            Pwa = options.Pwa,
            Runtime = new WebRuntimeConfig(
                OnnxRuntimeWeb.Version,
                options.Backend is WebBackend.Auto or WebBackend.Wasm ? OnnxRuntimeWeb.EntryModule(WebBackend.Wasm) : null,
                options.Backend is WebBackend.Auto or WebBackend.WebGpu ? OnnxRuntimeWeb.EntryModule(WebBackend.WebGpu) : null,
                options.Backend is WebBackend.WebGl ? OnnxRuntimeWeb.EntryModule(WebBackend.WebGl) : null),
            RuntimeFiles = new[] { WebBackend.Wasm, WebBackend.WebGpu, WebBackend.WebGl }
                .Where(b => runtimeFiles.Contains(OnnxRuntimeWeb.EntryModule(b)))
                .ToDictionary(BackendName, b => OnnxRuntimeWeb.FilesFor(b)),
            Model = new WebModelConfig(ModelFolder + "/", options.Progressive, manifest.ModelName, manifest.ModelSha256, manifest.TotalBytes, manifest.Chunks.Count),
            Inputs = inputs.Select(i => i.Config).ToList(),
            Outputs = model.Graph.Outputs.Select(o => o.Name).ToList(),
            SampleDescription = sampleDescription,
            Image = image,
            Labels = options.Labels,
            Power = WebPowerConfig.Default with { Mode = options.PowerMode, SaverAtOrBelow = options.SaverBatteryLevel },
        };
        File.WriteAllBytes(Path.Combine(temp, ConfigFileName), JsonSerializer.SerializeToUtf8Bytes(bundleConfig, WebBundleJsonContext.Default.WebBundleConfig));

        foreach (var asset in AppAssets)
        {
            var text = ReadAsset(asset);
            if (asset == "index.html")
                text = text.Replace("<!--MANIFEST-->", options.Pwa ? """<link rel="manifest" href="manifest.webmanifest">""" : "", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(temp, asset), text);
        }

        if (options.Pwa) WritePwa(temp, bundleConfig.Title);
        var version = BundleVersion(temp);
        if (options.Pwa) WriteServiceWorker(temp, version);

        return new WebBundle
        {
            Folder = output,
            Backend = options.Backend,
            Threads = options.Threads,
            Progressive = options.Progressive,
            Pwa = options.Pwa,
            RuntimeVersion = OnnxRuntimeWeb.Version,
            Manifest = manifest,
            Files = ListFiles(temp),
            SampleDescription = sampleDescription,
            Version = version,
            Notes = notes,
        };
    }

    // onnxruntime-web's WebGL backend compares feeds with the declared input dims and refuses a symbolic one (it reads
    // as empty: "expected shape '[,1,28,28]'"), so a WebGL bundle gets the sample's shape fixed into the graph; the model
    // file packaged is then a temporary copy, checked like every transform by the tests (same outputs with ORT).
    private static string? FixShapesForWebGl(Model model, List<(WebInputConfig Config, Tensor Tensor)> inputs, WebBackend backend, List<string> notes)
    {
        if (backend != WebBackend.WebGl) return null;
        var symbolic = inputs.Where(i => model.Graph.Inputs.First(v => v.Name == i.Config.Name).Type is TensorType { Shape: var shape } && shape is not { IsStatic: true }).ToList();
        if (symbolic.Count == 0) return null;
        var shapes = symbolic.ToDictionary(i => i.Config.Name, i => i.Config.Shape.ToArray());
        using var copy = model.Clone();
        new PassManager([new FixInputShapes(shapes)], maxIterations: 1).Run(copy);
        var path = Path.Combine(Path.GetTempPath(), $"edgeopt-webgl-{Guid.NewGuid():N}.onnx");
        copy.Save(path);
        notes.Add("webgl: input dims fixed to the sample's shape (" + string.Join(", ", shapes.Select(p => $"{p.Key} [{string.Join(",", p.Value)}]"))
            + "): onnxruntime-web's WebGL backend rejects symbolic dims");
        return path;
    }

    /// <summary>The backend as the page and the CLI spell it: auto, wasm, webgpu, webgl.</summary>
    public static string BackendName(WebBackend backend) => backend switch
    {
        WebBackend.Auto => "auto",
        WebBackend.Wasm => "wasm",
        WebBackend.WebGpu => "webgpu",
        WebBackend.WebGl => "webgl",
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, null),
    };

    // Checked before a sample is generated or read, so an unsupported input is reported as such, not as a sampling failure.
    private static List<(Value Value, TensorType Type, string JsType)> FeedableInputs(Model model)
    {
        var graph = model.Graph;
        var result = new List<(Value, TensorType, string)>();
        foreach (var value in graph.Inputs.Where(v => !graph.Initializers.TryGet(v.Name, out _)))
        {
            if (value.Type is not TensorType { } type)
                return ThrowHelper.Usage<List<(Value, TensorType, string)>>($"input '{value.Name}' is {value.Type?.ToString() ?? "untyped"}; web bundles feed tensor inputs only");
            var typeName = JsTypeName(type.ElementType)
                ?? ThrowHelper.Usage<string>($"input '{value.Name}' is {type.ElementType.OnnxName()}; the web page feeds float, int32, int64, uint8 or int8 inputs");
            result.Add((value, type, typeName));
        }
        if (result.Count == 0) ThrowHelper.Usage("the model has no inputs to feed");
        return result;
    }

    private static List<(WebInputConfig Config, Tensor Tensor)> DescribeInputs(List<(Value Value, TensorType Type, string JsType)> feedable, IReadOnlyDictionary<string, Tensor> sample)
    {
        var result = new List<(WebInputConfig, Tensor)>();
        foreach (var (value, type, typeName) in feedable)
        {
            if (!sample.TryGetValue(value.Name, out var tensor))
                return ThrowHelper.Usage<List<(WebInputConfig, Tensor)>>($"the sample has no tensor for input '{value.Name}'");
            if (tensor.DataType != type.ElementType)
                ThrowHelper.Usage($"sample for input '{value.Name}' is {tensor.DataType.OnnxName()}; the model expects {type.ElementType.OnnxName()}");
            if (type.Shape is { } shape && (shape.Rank != tensor.Dims.Count || shape.Where((d, i) => d.IsKnown && d.Value != tensor.Dims[i]).Any()))
                ThrowHelper.Usage($"sample for input '{value.Name}' has shape [{string.Join(",", tensor.Dims)}]; the model expects {shape}");
            var file = $"sample/{result.Count}.bin";
            result.Add((new WebInputConfig(value.Name, typeName, tensor.Dims.ToList(), file), tensor));
        }
        return result;
    }

    private static string? JsTypeName(DataType type) => type switch
    {
        DataType.Float => "float32",
        DataType.Int32 => "int32",
        DataType.Int64 => "int64",
        DataType.UInt8 => "uint8",
        DataType.Int8 => "int8",
        _ => null,
    };

    // An image-like input (float, rank 4, 1 or 3 channels on axis 1 or 3) lets the page accept pictures.
    private static WebImageConfig? ImageConfig(List<(WebInputConfig Config, Tensor Tensor)> inputs, ImagePreprocessing? given)
    {
        var candidate = inputs.FirstOrDefault(i => i.Config.Type == "float32" && i.Config.Shape.Count == 4);
        if (candidate.Config is null) return null;
        var shape = candidate.Config.Shape;
        var layout = given?.Layout ?? (shape[1] is 1 or 3 ? ImageLayout.Nchw : shape[3] is 1 or 3 ? ImageLayout.Nhwc : (ImageLayout?)null);
        if (layout is null) return null;
        var (channels, height, width) = layout == ImageLayout.Nchw ? (shape[1], shape[2], shape[3]) : (shape[3], shape[1], shape[2]);
        if (given?.Color is { } color && (color == ImageColor.Grayscale ? 1 : 3) != channels)
            ThrowHelper.Usage($"image colour {color} gives {(color == ImageColor.Grayscale ? 1 : 3)} channels; input '{candidate.Config.Name}' has {channels}");
        if (given?.Width is { } w && w != width || given?.Height is { } h && h != height)
            ThrowHelper.Usage($"image size {given.Width}x{given.Height} does not match input '{candidate.Config.Name}' ({width}x{height})");
        return new WebImageConfig(
            candidate.Config.Name, (int)width, (int)height, (int)channels, layout == ImageLayout.Nchw ? "nchw" : "nhwc", given?.Bgr ?? false,
            given?.Scale ?? 1 / 255f, given?.Mean ?? [0f], given?.Std ?? [1f],
            given?.Resize == ResizeMode.CenterCrop ? "center-crop" : "stretch", given?.CropFraction ?? 0.875f);
    }

    private static void WritePwa(string folder, string title)
    {
        Directory.CreateDirectory(Path.Combine(folder, "icons"));
        foreach (var size in WebIcons.Sizes) File.WriteAllBytes(Path.Combine(folder, "icons", $"icon-{size}.png"), WebIcons.Png(size));
        var manifest = new WebAppManifest(
            title, title.Length <= 12 ? title : title[..12], StartUrl: "./", Scope: "./", Display: "standalone",
            BackgroundColor: "#f6f7f9", ThemeColor: "#1b4965",
            [.. WebIcons.Sizes.Select(s => new WebAppIcon($"icons/icon-{s}.png", $"{s}x{s}", "image/png", "any maskable"))]);
        File.WriteAllText(Path.Combine(folder, "manifest.webmanifest"), JsonSerializer.Serialize(manifest, WebManifestJsonContext.Default.WebAppManifest));
    }

    // The service worker precaches the shell (everything but the runtime and model files, which it caches as they are used).
    private static void WriteServiceWorker(string folder, string version)
    {
        var shell = ListFiles(folder)
            .Where(f => f.Kind is WebBundleFileKind.App or WebBundleFileKind.Sample or WebBundleFileKind.Pwa)
            .Select(f => f.Path)
            .Prepend("./")
            .Append($"{ModelFolder}/{ProgressivePackager.ManifestFileName}")
            .Append("sw.js");
        var precache = JsonSerializer.Serialize(shell.ToArray(), WebManifestJsonContext.Default.StringArray);
        var text = ReadAsset("sw.js")
            .Replace("__BUNDLE_VERSION__", version, StringComparison.Ordinal)
            .Replace("__ORT_VERSION__", OnnxRuntimeWeb.Version, StringComparison.Ordinal)
            .Replace("__PRECACHE__", precache, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "sw.js"), text);
    }

    // Over every file's path and bytes (the runtime by version: its files are pinned), so any change to the page, sample
    // or model gives the service worker a new version and browsers pick up the update.
    private static string BundleVersion(string folder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes("onnxruntime-web " + OnnxRuntimeWeb.Version + "\n"));
        foreach (var file in ListFiles(folder).Where(f => f.Kind != WebBundleFileKind.Runtime))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file.Path + "\n"));
            hash.AppendData(File.ReadAllBytes(Path.Combine(folder, file.Path)));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static List<WebBundleFile> ListFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(folder, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(path => new WebBundleFile(path, new FileInfo(Path.Combine(folder, path)).Length, KindOf(path)))
            .ToList();

    private static WebBundleFileKind KindOf(string path) => path switch
    {
        _ when path.StartsWith(RuntimeFolder + "/", StringComparison.Ordinal) => WebBundleFileKind.Runtime,
        _ when path.StartsWith(ModelFolder + "/", StringComparison.Ordinal) => WebBundleFileKind.Model,
        _ when path.StartsWith("sample/", StringComparison.Ordinal) => WebBundleFileKind.Sample,
        _ when path.StartsWith("icons/", StringComparison.Ordinal) || path is "sw.js" or "manifest.webmanifest" => WebBundleFileKind.Pwa,
        _ => WebBundleFileKind.App,
    };

    private static string ReadAsset(string name)
    {
        using var stream = typeof(WebBundler).Assembly.GetManifestResourceStream("EdgeOpt.Web.Assets." + name)
            ?? throw new InvalidOperationException($"embedded web asset '{name}' is missing from this EdgeOpt build (src/EdgeOpt/Web/Assets/{name})");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
