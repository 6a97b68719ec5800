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
        if (!Enum.IsDefined(Backend)) problems.Add(new($"{{0}} {(int)Backend} is unknown", $"{nameof(WebBundleOptions)}.{nameof(Backend)}"));
        if (Progressive) problems.AddRange(new ProgressiveOptions { ChunkSize = ChunkSize }.Validate());
        if (Image is not null) problems.AddRange(Image.Validate());
        return problems;
    }
}
