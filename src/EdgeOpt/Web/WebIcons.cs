using SkiaSharp;

namespace EdgeOpt.Web;

/// <summary>The PWA icons: a plain geometric mark drawn with SkiaSharp (no fonts, so every machine draws the same pixels).</summary>
internal static class WebIcons
{
    public static readonly int[] Sizes = [192, 512];

    public static byte[] Png(int size)
    {
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(new SKColor(0x1b, 0x49, 0x65));
        using var paint = new SKPaint { IsAntialias = true, Color = SKColors.White, Style = SKPaintStyle.Stroke, StrokeWidth = size / 24f };
        // A chip outline with pins: "model on a device". Maskable icons keep content inside the central 80%.
        var inset = size * 0.3f;
        canvas.DrawRoundRect(new SKRect(inset, inset, size - inset, size - inset), size / 20f, size / 20f, paint);
        for (var i = 1; i <= 3; i++)
        {
            var at = inset + (size - 2 * inset) * i / 4f;
            canvas.DrawLine(at, inset - size * 0.08f, at, inset, paint);
            canvas.DrawLine(at, size - inset, at, size - inset + size * 0.08f, paint);
            canvas.DrawLine(inset - size * 0.08f, at, inset, at, paint);
            canvas.DrawLine(size - inset, at, size - inset + size * 0.08f, at, paint);
        }
        using var fill = new SKPaint { IsAntialias = true, Color = new SKColor(0x62, 0xb6, 0xcb) };
        canvas.DrawCircle(size / 2f, size / 2f, size * 0.09f, fill);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
