using EdgeOpt.Data;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Optimization;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// Seeded random crops of the sixteen skimage photographs (<see cref="NaturalImages"/>), prepared for ResNet18 the way
/// ML.NET's DnnImageFeaturizer does: a square window of 50–100 % of the photo's shorter side, resized (bilinear) to
/// 224×224, RGB 0..255 CHW through ResNetPreprocess.onnx (BGR swap, mean-image subtraction). Crops are made on
/// demand, so a source of any size holds only the decoded photos. Also linked into bench/EdgeOpt.Benchmarks.
/// </summary>
internal sealed class NaturalCropSource : ISampleSource, IDisposable
{
    private const int Size = 224;
    private const string PreprocessInput = "OriginalInput";
    private const string PreprocessOutput = "PreprocessedInput";

    private readonly SKBitmap[] _photos;
    private readonly InferenceSession _preprocess;
    private readonly string _inputName;
    private readonly int _seed;

    /// <param name="resNet18Path">ResNet18.onnx inside the NuGet package; ResNetPreprocess.onnx is found next to its folder.</param>
    /// <param name="inputName">ResNet18's input name, the key of every sample.</param>
    /// <param name="count">How many crops.</param>
    /// <param name="seed">Crop <c>i</c> is drawn from <c>new Random(seed + i)</c>: different seeds give disjoint-by-chance sets.</param>
    /// <param name="photos">The photos to crop (file names under <see cref="NaturalImages.Folder"/>); all sixteen by default.</param>
    public NaturalCropSource(string resNet18Path, string inputName, int count, int seed, IReadOnlyList<string>? photos = null)
    {
        photos ??= NaturalImages.Photos;
        var preprocessPath = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(resNet18Path))!, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        if (!File.Exists(preprocessPath)) throw new FileNotFoundException($"ResNet18 preprocessing model missing: {preprocessPath}", preprocessPath);
        _photos = photos.Select(name => Decode(Path.Combine(NaturalImages.Folder, name))).ToArray();
        _preprocess = SessionFactory.Create(preprocessPath, new SessionSettings { Optimization = GraphOptimization.None, IntraOpThreads = 1 });
        _inputName = inputName;
        _seed = seed;
        Count = count;
        Description = $"{count} random crops of {_photos.Length} skimage photos (seed {seed})";
    }

    public string Description { get; }

    public int Count { get; }

    public bool IsRepresentative => true;

    public IReadOnlyList<int>? Labels => null;

    public IReadOnlyDictionary<string, Tensor> Read(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var rgb = Crop(index);
        using var value = OrtTensors.ToOrtValue(Tensor.Create(PreprocessInput, rgb, 1, 3, Size, Size));
        using var runOptions = new RunOptions();
        using var outputs = _preprocess.Run(runOptions, [PreprocessInput], [value], [PreprocessOutput]);
        return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_inputName] = OrtTensors.ToTensor(outputs[0], _inputName) };
    }

    /// <summary>Crop <paramref name="index"/> as RGB CHW floats 0..255.</summary>
    private float[] Crop(int index) => NaturalImages.RgbaToChw(RandomCropRgba(_photos, Size, new Random(_seed + index)), Size);

    /// <summary>A random square crop (half to all of the shorter side) of one of <paramref name="photos"/>, resized to <paramref name="size"/>², as RGBA bytes.</summary>
    internal static byte[] RandomCropRgba(SKBitmap[] photos, int size, Random random)
    {
        var photo = photos[random.Next(photos.Length)];
        var shorter = Math.Min(photo.Width, photo.Height);
        var side = (int)(shorter * (0.5 + (0.5 * random.NextDouble())));
        var left = random.Next(photo.Width - side + 1);
        var top = random.Next(photo.Height - side + 1);

        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = new SKBitmap(info);
        using (var canvas = new SKCanvas(resized))
        {
            canvas.Clear(SKColors.Black);
            using var image = SKImage.FromBitmap(photo);
            canvas.DrawImage(image, SKRect.Create(left, top, side, side), new SKRect(0, 0, size, size),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        return resized.GetPixelSpan().ToArray();
    }

    private static SKBitmap Decode(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"natural image missing: {path} (apt-get install python3-skimage; scripts/test.sh does)", path);
        return SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: SkiaSharp cannot decode the image");
    }

    public void Dispose()
    {
        _preprocess.Dispose();
        foreach (var photo in _photos) photo.Dispose();
    }
}
