namespace EdgeOpt.Data;

/// <summary>The channels an image is fed with.</summary>
public enum ImageColor
{
    /// <summary>One channel: luminance (0.299 R + 0.587 G + 0.114 B, the ITU-R 601 weights PIL uses).</summary>
    Grayscale,

    /// <summary>Three channels, red-green-blue (or blue-green-red with <see cref="ImagePreprocessing.Bgr"/>).</summary>
    Rgb,
}
