using System.Globalization;
using EdgeOpt.Onnx;
using SkiaSharp;

namespace EdgeOpt.Data;

/// <summary>
/// Turns one image file into a model input tensor with settings resolved against the model once: decode (alpha dropped,
/// EXIF orientation not applied), resize (stretch or centre crop, linear filtering with mipmaps so big shrinks do not
/// alias), pick channels, scale and normalize, lay out as NCHW or NHWC with batch 1.
/// </summary>
internal sealed class ImageTensorizer
{
    private readonly string _name;
    private readonly DataType _type;
    private readonly ImagePreprocessing _options;
    private readonly int _width, _height, _channels;
    private readonly ImageLayout _layout;
    private readonly float[] _mean, _std;
    private readonly int _rank;

    private ImageTensorizer(string name, DataType type, ImagePreprocessing options, int width, int height, int channels, ImageLayout layout, int rank)
    {
        (_name, _type, _options, _width, _height, _channels, _layout, _rank) = (name, type, options, width, height, channels, layout, rank);
        _mean = PerChannel(options.Mean, 0f, "Mean");
        _std = PerChannel(options.Std, 1f, "Std");
    }

    /// <summary>"224x224 RGB NCHW, mean/std" for descriptions.</summary>
    public string Summary =>
        $"{_width}x{_height} {(_channels == 1 ? "grayscale" : _options.Bgr ? "BGR" : "RGB")} {(_rank == 3 ? "NHW" : _layout.ToString().ToUpperInvariant())}"
        + (_options.Resize == ResizeMode.CenterCrop ? ", centre crop" : "")
        + (_options.Mean is not null || _options.Std is not null ? ", mean/std" : "")
        + (_options.Scale == 1 / 255f ? "" : string.Create(CultureInfo.InvariantCulture, $", x{_options.Scale:G4}"));

    /// <summary>Resolves size, layout and channels from <paramref name="options"/>, falling back on the model input.</summary>
    /// <exception cref="InvalidOptionsException">The settings cannot work (<see cref="ImagePreprocessing.Validate"/>).</exception>
    /// <exception cref="UsageException">The input is not image-like, or a size is symbolic and none given.</exception>
    public static ImageTensorizer For(Value input, ImagePreprocessing options)
    {
        ThrowHelper.IfInvalid(options.Validate());
        if (input.Type is not TensorType { Shape: { } shape } type)
            throw new UsageException($"model input '{input.Name}' has no known shape; images need [N,C,H,W], [N,H,W,C] or [N,H,W]");
        if (type.ElementType is not (DataType.Float or DataType.Float16 or DataType.Double or DataType.UInt8))
            throw new UsageException($"model input '{input.Name}' is {type.ElementType.OnnxName()}; images feed float, float16, double or uint8 inputs");
        static bool IsChannels(Dim d) => d.Value is 1 or 3;
        ImageLayout layout;
        int hAxis, cAxis;
        if (shape.Rank == 3)
        {
            (layout, hAxis, cAxis) = (ImageLayout.Nchw, 1, -1);
        }
        else if (shape.Rank == 4)
        {
            layout = options.Layout
                ?? (IsChannels(shape[1]) ? ImageLayout.Nchw
                    : IsChannels(shape[3]) ? ImageLayout.Nhwc
                    : throw new UsageException($"model input '{input.Name}' {shape}: cannot tell NCHW from NHWC (no 1 or 3 channel dim); give the layout"));
            (hAxis, cAxis) = layout == ImageLayout.Nchw ? (2, 1) : (1, 3);
        }
        else
        {
            throw new UsageException($"model input '{input.Name}' {shape} is not an image tensor (expected rank 4 [N,C,H,W]/[N,H,W,C] or rank 3 [N,H,W])");
        }

        var channelDim = cAxis < 0 ? 1 : shape[cAxis].Value;
        var color = options.Color ?? (channelDim == 1 ? ImageColor.Grayscale : ImageColor.Rgb);
        var channels = color == ImageColor.Grayscale ? 1 : 3;
        if (channelDim is { } c && c != channels)
            throw new UsageException($"model input '{input.Name}' {shape} takes {c} channel{(c == 1 ? "" : "s")}, but the images are fed as {color}");

        var height = options.Height ?? (int?)shape[hAxis].Value
            ?? throw new UsageException($"model input '{input.Name}' {shape} has a free height; give the image size");
        var width = options.Width ?? (int?)shape[hAxis + 1].Value
            ?? throw new UsageException($"model input '{input.Name}' {shape} has a free width; give the image size");
        if (width <= 0 || height <= 0) throw new UsageException($"image size {width}x{height} must be positive");
        return new ImageTensorizer(input.Name, type.ElementType, options, width, height, channels, layout, shape.Rank);
    }

    /// <summary>Decodes and preprocesses one image.</summary>
    /// <exception cref="DataFormatException">The file cannot be decoded (names it).</exception>
    public Tensor Load(string file)
    {
        using var resized = Decode(file);
        var pixels = resized.GetPixelSpan(); // RGBA, 4 bytes a pixel, row-major
        var plane = _width * _height;
        var values = new float[plane * _channels];
        for (var p = 0; p < plane; p++)
        {
            float r = pixels[4 * p], g = pixels[(4 * p) + 1], b = pixels[(4 * p) + 2];
            for (var c = 0; c < _channels; c++)
            {
                var raw = _channels == 1 ? (0.299f * r) + (0.587f * g) + (0.114f * b) : (c, _options.Bgr) switch
                {
                    (0, false) or (2, true) => r,
                    (1, _) => g,
                    _ => b,
                };
                var value = ((raw * _options.Scale) - _mean[c]) / _std[c];
                values[_layout == ImageLayout.Nchw ? (c * plane) + p : (p * _channels) + c] = value;
            }
        }
        long[] dims = _rank == 3 ? [1, _height, _width]
            : _layout == ImageLayout.Nchw ? [1, _channels, _height, _width] : [1, _height, _width, _channels];
        return _type switch
        {
            DataType.Float16 => Tensor.Create<Half>(_name, values.Select(v => (Half)v).ToArray(), dims),
            DataType.Double => Tensor.Create<double>(_name, values.Select(v => (double)v).ToArray(), dims),
            DataType.UInt8 => Tensor.Create<byte>(_name, values.Select(v => (byte)Math.Clamp(MathF.Round(v), 0, 255)).ToArray(), dims),
            _ => Tensor.Create<float>(_name, values, dims),
        };
    }

    private SKBitmap Decode(string file)
    {
        using var codec = SKCodec.Create(file, out var status) ?? throw new DataFormatException($"{file}: not a readable image ({status})");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var source = SKBitmap.Decode(codec, info) ?? throw new DataFormatException($"{file}: the image data cannot be decoded");
        using var image = SKImage.FromBitmap(source);

        var crop = new SKRect(0, 0, source.Width, source.Height);
        if (_options.Resize == ResizeMode.CenterCrop)
        {
            // Scale so the target covers CropFraction of the shorter side, then keep the centre.
            var scale = Math.Max(_width / (_options.CropFraction * source.Width), _height / (_options.CropFraction * source.Height));
            float w = _width / scale, h = _height / scale;
            crop = SKRect.Create((source.Width - w) / 2, (source.Height - h) / 2, w, h);
        }
        var target = new SKBitmap(new SKImageInfo(_width, _height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(image, crop, new SKRect(0, 0, _width, _height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        return target;
    }

    private float[] PerChannel(IReadOnlyList<float>? values, float fallback, string what)
    {
        if (values is null) return [.. Enumerable.Repeat(fallback, _channels)];
        if (values.Count == 1) return [.. Enumerable.Repeat(values[0], _channels)];
        if (values.Count == _channels) return [.. values];
        throw new UsageException($"image {what} has {values.Count} values; model input '{_name}' takes {_channels} channel{(_channels == 1 ? "" : "s")} (give 1 or {_channels})");
    }
}
