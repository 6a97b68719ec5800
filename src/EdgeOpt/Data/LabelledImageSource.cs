using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// <see cref="LabelledImages"/> (grayscale uint8 images with labels, e.g. Fashion-MNIST) as samples of one model
/// input: each image scaled by <c>scale</c> into a float tensor of <c>dims</c> (batch 1), labels carried along.
/// </summary>
public sealed class LabelledImageSource : ISampleSource
{
    private readonly LabelledImages _images;
    private readonly string _input;
    private readonly long[] _dims;
    private readonly float _scale;
    private readonly int[] _labels;

    /// <param name="images">The images and labels.</param>
    /// <param name="input">The model input the images feed.</param>
    /// <param name="dims">The tensor shape of one image, e.g. <c>[1, 1, 28, 28]</c>; it must hold exactly rows × cols values.</param>
    /// <param name="scale">Factor applied to each 0..255 pixel (1/255 gives 0..1).</param>
    public LabelledImageSource(LabelledImages images, string input, IReadOnlyList<long> dims, float scale = 1f / 255f)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrEmpty(input);
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Aggregate(1L, (a, b) => a * b) != images.PixelsPerImage)
            ThrowHelper.Argument($"{images.Source}: shape [{string.Join(",", dims)}] does not hold one {images.Rows}x{images.Cols} image", nameof(dims));
        _images = images;
        _input = input;
        _dims = [.. dims];
        _scale = scale;
        _labels = images.Labels.ToArray().Select(b => (int)b).ToArray();
    }

    public string Description => $"{_images.Source} ({_images.Count:N0} images, {_images.Rows}x{_images.Cols} grayscale)";
    public int Count => _images.Count;
    public bool IsRepresentative => true;
    public IReadOnlyList<int>? Labels => _labels;

    public IReadOnlyDictionary<string, Tensor> Read(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var pixels = _images.Pixels.Slice(index * _images.PixelsPerImage, _images.PixelsPerImage);
        var values = new float[pixels.Length];
        for (var i = 0; i < values.Length; i++) values[i] = pixels[i] * _scale;
        return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_input] = Tensor.Create(_input, values, _dims) };
    }
}
