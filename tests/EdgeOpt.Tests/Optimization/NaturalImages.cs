using SkiaSharp;

namespace EdgeOpt.Tests.Optimization;

/// <summary>
/// Real photographs for model inputs: scikit-image's sample images (Debian python3-skimage), decoded with SkiaSharp
/// and resized (bilinear) to a square, as CHW float RGB in 0..255 — what ML.NET's pixel extractor hands
/// ResNet18's preprocessing model.
/// </summary>
internal static class NaturalImages
{
    public const string Folder = "/usr/lib/python3/dist-packages/skimage/data";

    /// <summary>Sixteen photographs of varied content (people, animals, textures, microscopy, astronomy, text); grayscale ones are replicated to RGB.</summary>
    public static readonly string[] Photos =
    [
        "astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "coffee.png", "coins.png", "grass.png",
        "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png", "retina.jpg", "rocket.jpg",
    ];

    /// <summary>Each photo as RGB CHW floats (0..255) of <paramref name="size"/>×<paramref name="size"/>.</summary>
    public static IReadOnlyList<float[]> LoadRgbChw(int size) => Photos.Select(name => LoadRgbChw(Path.Combine(Folder, name), size)).ToList();

    public static float[] LoadRgbChw(string path, int size)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"natural image missing: {path} (apt-get install python3-skimage; scripts/test.sh does)", path);
        using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: SkiaSharp cannot decode the image");
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = new SKBitmap(info);
        using (var canvas = new SKCanvas(resized))
        {
            canvas.Clear(SKColors.Black);
            using var image = SKImage.FromBitmap(decoded);
            canvas.DrawImage(image, new SKRect(0, 0, size, size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        return RgbaToChw(resized.GetPixelSpan(), size);
    }

    /// <summary>RGBA8888 pixels of a <paramref name="size"/>² bitmap as RGB CHW floats (0..255), alpha dropped.</summary>
    public static float[] RgbaToChw(ReadOnlySpan<byte> pixels, int size)
    {
        var plane = size * size;
        var chw = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            chw[i] = pixels[(4 * i) + 0];
            chw[plane + i] = pixels[(4 * i) + 1];
            chw[(2 * plane) + i] = pixels[(4 * i) + 2];
        }
        return chw;
    }
}
