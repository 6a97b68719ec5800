using System.Collections.Frozen;
using System.Globalization;

namespace EdgeOpt.Data;

/// <summary>
/// How image files become a model input tensor: decode, resize to <see cref="Width"/> x <see cref="Height"/>,
/// pick channels, then per channel <c>(pixel * Scale - Mean[c]) / Std[c]</c> with pixels 0..255.
/// Null fields are taken from the model input (size, layout, channels).
/// </summary>
public sealed record ImagePreprocessing
{
    private static readonly FrozenDictionary<string, ImagePreprocessing> Presets = new Dictionary<string, ImagePreprocessing>(StringComparer.OrdinalIgnoreCase)
    {
        ["imagenet"] = new()
        {
            Width = 224, Height = 224, Color = ImageColor.Rgb, Resize = ResizeMode.CenterCrop,
            Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
        },
        ["mnist"] = new() { Width = 28, Height = 28, Color = ImageColor.Grayscale },
        ["fashion-mnist"] = new() { Width = 28, Height = 28, Color = ImageColor.Grayscale },
        ["raw"] = new() { Scale = 1f },
        ["inception"] = new()
        {
            Width = 299, Height = 299, Color = ImageColor.Rgb, Resize = ResizeMode.CenterCrop,
            Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f],
        },
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Width fed to the model; null: the model input's W (an error when it is symbolic).</summary>
    public int? Width { get; init; }

    /// <summary>Height fed to the model; null: the model input's H (an error when it is symbolic).</summary>
    public int? Height { get; init; }

    /// <summary>Per-channel mean subtracted after scaling (one value for all channels, or one per channel); null: 0.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation divided by after the mean (one value, or one per channel); null: 1.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Factor applied to 0..255 pixel values first.</summary>
    public float Scale { get; init; } = 1 / 255f;

    /// <summary>Channel axis position; null: from the model input (a 1 or 3 at axis 1 is NCHW, at the last axis NHWC).</summary>
    public ImageLayout? Layout { get; init; }

    /// <summary>Channels fed; null: from the model input's channel dim (1 grayscale, 3 RGB).</summary>
    public ImageColor? Color { get; init; }

    /// <summary>Feed colour channels blue-green-red (OpenCV/Caffe models).</summary>
    public bool Bgr { get; init; }

    /// <summary>How the image is brought to the target size.</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;

    /// <summary>For <see cref="ResizeMode.CenterCrop"/>: the part of the resized shorter side kept (224/256 = 0.875).</summary>
    public float CropFraction { get; init; } = 0.875f;

    /// <summary>Largest <see cref="Width"/> or <see cref="Height"/> accepted, in pixels.</summary>
    public const int MaxSize = 16384;

    /// <summary>
    /// Every problem with these settings, all at once (empty: they can work): a size outside 1..<see cref="MaxSize"/>,
    /// a mean or standard deviation that is not 1 or 3 finite values, a standard deviation that is not positive, a
    /// scale that is not a positive number, a crop fraction outside (0, 1], an unknown layout, colour or resize mode.
    /// Whether the channel count fits the model is checked when the model input is known. <see cref="SampleSources.Open"/>
    /// and every image source refuse through it.
    /// </summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Width is < 1 or > MaxSize) problems.Add(new($"{{0}} {Width}: expected a width of 1 to {MaxSize} pixels", Name(nameof(Width))));
        if (Height is < 1 or > MaxSize) problems.Add(new($"{{0}} {Height}: expected a height of 1 to {MaxSize} pixels", Name(nameof(Height))));
        foreach (var (member, values) in new[] { (nameof(Mean), Mean), (nameof(Std), Std) })
        {
            if (values is null) continue;
            if (values.Count is not (1 or 3)) problems.Add(new($"{{0}} '{Join(values)}': expected 1 or 3 values (one per channel)", Name(member)));
            else if (values.Any(v => !float.IsFinite(v))) problems.Add(new($"{{0}} '{Join(values)}': expected finite numbers", Name(member)));
        }
        if (Std is { Count: 1 or 3 } std && std.All(float.IsFinite) && std.Any(v => !(v > 0)))
            problems.Add(new($"{{0}} '{Join(std)}': every standard deviation must be positive", Name(nameof(Std))));
        if (!(Scale > 0) || !float.IsFinite(Scale))
            problems.Add(new($"{{0}} {Scale.ToString(CultureInfo.InvariantCulture)}: expected a positive number", Name(nameof(Scale))));
        if (!(CropFraction is > 0 and <= 1))
            problems.Add(new($"{{0}} {CropFraction.ToString(CultureInfo.InvariantCulture)}: expected the share of the shorter side kept, in (0, 1]", Name(nameof(CropFraction))));
        if (Layout is { } layout && !Enum.IsDefined(layout)) problems.Add(new($"{{0}} {(int)layout}: expected Nchw or Nhwc", Name(nameof(Layout))));
        if (Color is { } color && !Enum.IsDefined(color)) problems.Add(new($"{{0}} {(int)color}: expected Grayscale or Rgb", Name(nameof(Color))));
        if (!Enum.IsDefined(Resize)) problems.Add(new($"{{0}} {(int)Resize}: expected Stretch or CenterCrop", Name(nameof(Resize))));
        return problems;

        static string Join(IReadOnlyList<float> values) => string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        static string Name(string member) => $"{nameof(ImagePreprocessing)}.{member}";
    }

    /// <summary>Names <see cref="Preset"/> accepts.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["imagenet", "mnist", "fashion-mnist", "raw", "inception"];

    /// <summary>
    /// A named preset: <c>imagenet</c> (224x224 RGB, /255, ImageNet mean/std, centre crop 224 of 256), <c>mnist</c> and
    /// <c>fashion-mnist</c> (28x28 grayscale, /255), <c>raw</c> (pixels 0..255, size from the model), <c>inception</c>
    /// (299x299 RGB, mean/std 0.5, centre crop).
    /// </summary>
    /// <exception cref="UsageException">The name is not a preset (the message lists them).</exception>
    public static ImagePreprocessing Preset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Presets.TryGetValue(name.Trim(), out var preset))
            ThrowHelper.Usage($"unknown image preset '{name}' (presets: {string.Join(", ", PresetNames)})");
        return preset;
    }
}
