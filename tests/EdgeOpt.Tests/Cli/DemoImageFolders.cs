using EdgeOpt.Cli;
using EdgeOpt.Data;
using SkiaSharp;

namespace EdgeOpt.Tests.Cli;

/// <summary>
/// The embedded demo model and Fashion-MNIST images written to disk the way users hand them to the CLI: the model as
/// an .onnx file, images as grayscale PNGs in one sub-folder per class (so the folder carries the labels).
/// Written once per test class (xunit class fixture) and deleted afterwards.
/// </summary>
public sealed class DemoImageFolders : IDisposable
{
    private readonly TempDir _dir = new();

    public DemoImageFolders()
    {
        Model = _dir.File("fashion-cnn.onnx");
        File.WriteAllBytes(Model, DemoAssets.ModelBytes());
        Calibration = Write(DemoAssets.CalibrationSet(), "calib", 100);
        Evaluation = Write(DemoAssets.TestSet(), "eval", 300);
    }

    /// <summary>The demo model file.</summary>
    public string Model { get; }

    /// <summary>100 calibration images in class folders.</summary>
    public string Calibration { get; }

    /// <summary>The first 300 test images in class folders.</summary>
    public string Evaluation { get; }

    public string Root => _dir.Path;

    private string Write(LabelledImages images, string name, int count)
    {
        var root = _dir.File(name);
        for (var i = 0; i < count; i++)
        {
            var classFolder = Path.Combine(root, $"{images.Label(i):D2}-{DemoAssets.ClassNames[images.Label(i)].Replace('/', '-')}");
            Directory.CreateDirectory(classFolder);
            var info = new SKImageInfo(images.Cols, images.Rows, SKColorType.Gray8, SKAlphaType.Opaque);
            using var bitmap = new SKBitmap(info);
            images.Pixels.Slice(i * images.PixelsPerImage, images.PixelsPerImage).CopyTo(bitmap.GetPixelSpan());
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(classFolder, $"{i:D4}.png"), data.ToArray());
        }
        return root;
    }

    public void Dispose() => _dir.Dispose();
}
