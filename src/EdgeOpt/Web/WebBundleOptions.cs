using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;

namespace EdgeOpt.Web;

/// <summary>How <see cref="WebBundler"/> builds a browser bundle for a model.</summary>
public sealed record WebBundleOptions
{
    /// <summary>Most threads a bundle may ask for: onnxruntime-web's thread pool gains little beyond this.</summary>
    public const int MaxThreads = 16;

    /// <summary>Execution provider the page uses.</summary>
    public WebBackend Backend { get; init; } = WebBackend.Auto;

    /// <summary>Cut the weights into content-addressed chunks (progress per chunk, delta updates); otherwise one model file.</summary>
    public bool Progressive { get; init; }

    /// <summary>Chunk size when <see cref="Progressive"/> (default <see cref="ProgressiveOptions.DefaultChunkSize"/>).</summary>
    public long ChunkSize { get; init; } = ProgressiveOptions.DefaultChunkSize;

    /// <summary>Add the service worker (offline after the first visit) and the web app manifest with icons.</summary>
    public bool Pwa { get; init; }

    /// <summary>WebAssembly threads; 0: the browser's logical core count, capped at <see cref="MaxThreads"/>.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// The page's power mode when the battery does not call for battery-saver: <c>performance</c>, <c>balanced</c> or
    /// <c>battery-saver</c> (see <see cref="PowerModes"/>).
    /// </summary>
    public string PowerMode { get; init; } = "balanced";

    /// <summary>Battery level (a fraction) at or below which a discharging device switches the page to battery-saver; 0: never.</summary>
    public double SaverBatteryLevel { get; init; } = 0.2;

    /// <summary>The power modes the page knows, in the order it offers them.</summary>
    public static IReadOnlyList<string> PowerModes { get; } = ["performance", "balanced", "battery-saver"];

    /// <summary>Page title; null: the model's name.</summary>
    public string? Title { get; init; }

    /// <summary>The sample input the page runs on load (input name → tensor); null: seeded random values (labelled synthetic).</summary>
    public IReadOnlyDictionary<string, Tensor>? Sample { get; init; }

    /// <summary>What <see cref="Sample"/> is, shown on the page (e.g. "Fashion-MNIST test image 0").</summary>
    public string? SampleDescription { get; init; }

    /// <summary>Class names by output index, for the top-classes table; null: indices.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>How a user-chosen image becomes the input; null: taken from the model input (size, layout, channels) with pixels / 255.</summary>
    public ImagePreprocessing? Image { get; init; }

    /// <summary>
    /// Replace an earlier EdgeOpt web bundle in the output folder. Never replaces a folder that holds the model (or an ancestor
    /// of it) or anything EdgeOpt did not write as a web bundle: those are refused whatever this says.
    /// </summary>
    public bool Force { get; init; }

    /// <summary>
    /// Every problem with these options, all at once (empty: they can work); <see cref="WebBundler.Build"/> refuses
    /// through it before reading the model. The chunk-size range is <see cref="ProgressiveOptions"/>' own.
    /// </summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Threads is < 0 or > MaxThreads)
            problems.Add(new($"{{0}} {Threads} is out of range; expected 1 to {MaxThreads}, or 0 for the browser's core count", $"{nameof(WebBundleOptions)}.{nameof(Threads)}"));
        if (!PowerModes.Contains(PowerMode))
            problems.Add(new($"{{0}} '{PowerMode}' is not one of {string.Join(", ", PowerModes)}", $"{nameof(WebBundleOptions)}.{nameof(PowerMode)}"));
        if (!(SaverBatteryLevel >= 0 && SaverBatteryLevel < 1))
            problems.Add(new($"{{0}} {SaverBatteryLevel} is out of range; expected a battery fraction in [0, 1), 0 to never switch", $"{nameof(WebBundleOptions)}.{nameof(SaverBatteryLevel)}"));
        if (!Enum.IsDefined(Backend)) problems.Add(new($"{{0}} {(int)Backend} is unknown", $"{nameof(WebBundleOptions)}.{nameof(Backend)}"));
        if (Progressive) problems.AddRange(new ProgressiveOptions { ChunkSize = ChunkSize }.Validate());
        if (Image is not null) problems.AddRange(Image.Validate());
        return problems;
    }
}
