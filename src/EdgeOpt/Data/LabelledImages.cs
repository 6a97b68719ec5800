namespace EdgeOpt.Data;

/// <summary>
/// Grayscale images with one class label each: pixels are uint8, row-major <c>[Count, Rows, Cols]</c>
/// (the layout of MNIST-style IDX files).
/// </summary>
public sealed class LabelledImages
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    /// <summary>Wraps pixels and labels (not copied); <paramref name="source"/> names the data in messages.</summary>
    public LabelledImages(byte[] pixels, byte[] labels, int rows, int cols, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (rows <= 0 || cols <= 0) ThrowHelper.Argument($"{source}: image size must be positive, not {rows}x{cols}", nameof(rows));
        if (pixels.LongLength != (long)labels.Length * rows * cols)
            ThrowHelper.Argument($"{source}: {pixels.LongLength} pixel bytes do not hold {labels.Length} images of {rows}x{cols}", nameof(pixels));
        _pixels = pixels;
        _labels = labels;
        Rows = rows;
        Cols = cols;
        Source = source;
    }

    public int Count => _labels.Length;
    public int Rows { get; }
    public int Cols { get; }
    public int PixelsPerImage => Rows * Cols;

    /// <summary>Where the data came from (file names or a description), for messages.</summary>
    public string Source { get; }

    /// <summary>All pixels, image after image.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>All labels, one per image.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index) => _pixels.AsSpan(checked(index * PixelsPerImage), PixelsPerImage);

    public byte Label(int index) => _labels[index];

    /// <summary>The first <paramref name="count"/> images (copied).</summary>
    public LabelledImages Take(int count)
    {
        count = Math.Clamp(count, 0, Count);
        return new LabelledImages(_pixels.AsSpan(0, count * PixelsPerImage).ToArray(), _labels.AsSpan(0, count).ToArray(), Rows, Cols,
            $"{Source} (first {count})");
    }

    public override string ToString() => $"{Source}: {Count} images of {Rows}x{Cols}";
}
