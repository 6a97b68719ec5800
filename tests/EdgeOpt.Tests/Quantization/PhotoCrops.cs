using EdgeOpt.Data;
using EdgeOpt.Tests.Optimization;
using SkiaSharp;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// Seeded random square crops (50–100 % of the shorter side, bilinear) of a chosen subset of the skimage photos, as
/// model inputs of any size and layout: <c>pixel · scale + offset</c>, NCHW or NHWC, RGB. Calibration and held-out
/// sets drawn from disjoint photo subsets (<see cref="CalibrationPhotos"/>, <see cref="HeldOutPhotos"/>) measure
/// generalisation to scenes calibration never saw. Also linked into bench/EdgeOpt.Benchmarks.
/// </summary>
internal sealed class PhotoCrops : ISampleSource
{
    /// <summary>Ten photos to calibrate on: people, animals, textures, microscopy.</summary>
    public static readonly string[] CalibrationPhotos = NaturalImages.Photos[..10];

    /// <summary>The six others, for held-out evaluation only.</summary>
    public static readonly string[] HeldOutPhotos = NaturalImages.Photos[10..];

    private readonly IReadOnlyList<IReadOnlyDictionary<string, Tensor>> _samples;

    /// <param name="photos">File names under <see cref="NaturalImages.Folder"/>.</param>
    /// <param name="inputName">The model input every sample feeds.</param>
    /// <param name="size">Crop side in pixels.</param>
    /// <param name="channelsLast">NHWC ([1, size, size, 3]) instead of NCHW ([1, 3, size, size]).</param>
    public PhotoCrops(IReadOnlyList<string> photos, string inputName, int size, int count, int seed, bool channelsLast, float scale, float offset)
    {
        var decoded = photos.Select(name => SKBitmap.Decode(Path.Combine(NaturalImages.Folder, name))
            ?? throw new InvalidDataException($"{name}: SkiaSharp cannot decode the image")).ToArray();
        try
        {
            _samples = Enumerable.Range(0, count).Select(i =>
            {
                var pixels = Crop(decoded, size, new Random(seed + i));
                var data = Arrange(pixels, size, channelsLast, scale, offset);
                long[] dims = channelsLast ? [1, size, size, 3] : [1, 3, size, size];
                return (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>(StringComparer.Ordinal)
                {
                    [inputName] = Tensor.Create<float>(inputName, data, dims),
                };
            }).ToList();
        }
        finally
        {
            foreach (var photo in decoded) photo.Dispose();
        }
        Description = $"{count} random {size}×{size} crops of {photos.Count} skimage photos (seed {seed})";
    }

    public string Description { get; }

    public int Count => _samples.Count;

    public bool IsRepresentative => true;

    public IReadOnlyList<int>? Labels => null;

    public IReadOnlyDictionary<string, Tensor> Read(int index) => _samples[index];

    private static byte[] Crop(SKBitmap[] photos, int size, Random random) => NaturalCropSource.RandomCropRgba(photos, size, random);

    private static float[] Arrange(byte[] rgba, int size, bool channelsLast, float scale, float offset)
    {
        var plane = size * size;
        var data = new float[3 * plane];
        for (var i = 0; i < plane; i++)
            for (var c = 0; c < 3; c++)
                data[channelsLast ? (3 * i) + c : (c * plane) + i] = (rgba[(4 * i) + c] * scale) + offset;
        return data;
    }
}
