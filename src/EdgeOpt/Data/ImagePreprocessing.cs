using System.Collections.Frozen;

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
