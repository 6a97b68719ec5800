using System.CommandLine;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// The options that say how to read sample data (calibration or evaluation): image preprocessing for image folders,
/// and labels. Shared by <c>quantize</c> and <c>evaluate</c> so both read data the same way.
/// </summary>
internal sealed class DataOptions
{
    public Option<string?> Preset { get; } = new("--preset")
    {
        Description = $"Image preprocessing preset: {string.Join(", ", ImagePreprocessing.PresetNames)} (other image options override its fields)",
        HelpName = "NAME",
    };

    public Option<string?> Size { get; } = new("--size")
    {
        Description = "Image size fed to the model, WxH or N (default: the model input's H and W)",
        HelpName = "WxH",
    };

    public Option<string?> Mean { get; } = new("--mean") { Description = "Per-channel mean subtracted after scaling, e.g. 0.485,0.456,0.406", HelpName = "a,b,c" };

    public Option<string?> Std { get; } = new("--std") { Description = "Per-channel standard deviation divided by, e.g. 0.229,0.224,0.225", HelpName = "a,b,c" };

    public Option<string?> Layout { get; } = new("--layout") { Description = "Image tensor layout (default: from the model input)", HelpName = "NCHW|NHWC" };

    public Option<string?> Color { get; } = new("--color")
    {
        Description = "Channels fed: gray, rgb or bgr (default: from the model input's channel dim)",
        HelpName = "gray|rgb|bgr",
    };

    public Option<float?> PixelScale { get; } = new("--pixel-scale") { Description = "Factor applied to 0..255 pixels before mean/std (default 1/255)", HelpName = "X" };

    public Option<string?> Labels { get; } = new("--labels")
    {
        Description = "Class labels, one per sample in data order: text (one integer per line), .npy, or IDX1 (optional with class sub-folders)",
        HelpName = "FILE",
    };

    public IEnumerable<Option> All => [Preset, Size, Mean, Std, Layout, Color, PixelScale, Labels];

    /// <summary>
    /// The reading options from the parsed flags; text that does not parse is a usage error naming the flag. The rules
    /// about the values (sizes, counts, positive std and scale) are <see cref="ImagePreprocessing.Validate"/>'s, applied
    /// when the data is opened and named by flag through <see cref="OptionFlags"/>.
    /// </summary>
    public SampleSourceOptions SourceOptions(ParseResult parse)
    {
        var image = parse.GetValue(Preset) is { } preset ? ImagePreprocessing.Preset(preset) : new ImagePreprocessing();
        if (parse.GetValue(Size) is { } size)
        {
            var (w, h) = ParseSize(size);
            image = image with { Width = w, Height = h };
        }
        if (parse.GetValue(Mean) is { } mean) image = image with { Mean = ParseFloats("--mean", mean) };
        if (parse.GetValue(Std) is { } std) image = image with { Std = ParseFloats("--std", std) };
        if (parse.GetValue(Layout) is { } layout)
        {
            image = image with
            {
                Layout = layout.ToUpperInvariant() switch
                {
                    "NCHW" => ImageLayout.Nchw,
                    "NHWC" => ImageLayout.Nhwc,
                    _ => throw new UsageException($"--layout '{layout}': expected NCHW or NHWC"),
                },
            };
        }
        if (parse.GetValue(Color) is { } color)
        {
            image = color.ToUpperInvariant() switch
            {
                "GRAY" or "GREY" or "GRAYSCALE" => image with { Color = ImageColor.Grayscale, Bgr = false },
                "RGB" => image with { Color = ImageColor.Rgb, Bgr = false },
                "BGR" => image with { Color = ImageColor.Rgb, Bgr = true },
                _ => throw new UsageException($"--color '{color}': expected gray, rgb or bgr"),
            };
        }
        if (parse.GetValue(PixelScale) is { } scale) image = image with { Scale = scale };
        return new SampleSourceOptions { Image = image };
    }

    /// <summary>Opens <paramref name="spec"/> for <paramref name="model"/> and attaches --labels when given.</summary>
    public ISampleSource Open(ParseResult parse, string spec, Model model, string role)
    {
        ISampleSource source;
        try
        {
            source = SampleSources.Open(spec, model, SourceOptions(parse));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{role} data '{spec}' does not exist", e);
        }
        return source;
    }

    /// <summary>Labels from --labels, or null when the flag is absent.</summary>
    public IReadOnlyList<int>? LoadLabels(ParseResult parse)
    {
        if (parse.GetValue(Labels) is not { } path) return null;
        if (!File.Exists(path)) throw new UsageException($"--labels '{path}' does not exist");
        return LabelFile.Load(path);
    }

    private static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.Split(['x', 'X'], StringSplitOptions.TrimEntries);
        var dims = new int[parts.Length];
        var ok = parts.Length is 1 or 2;
        for (var i = 0; ok && i < parts.Length; i++)
            ok = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]);
        if (!ok) throw new UsageException($"--size '{text}': expected WxH or N with positive integers, e.g. 224x224");
        return parts.Length == 1 ? (dims[0], dims[0]) : (dims[0], dims[1]);
    }

    private static float[] ParseFloats(string flag, string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new UsageException($"{flag} '{text}': expected comma-separated numbers, e.g. 0.485,0.456,0.406");
        return values;
    }
}
