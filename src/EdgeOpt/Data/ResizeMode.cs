namespace EdgeOpt.Data;

/// <summary>How an image is brought to the model's width and height.</summary>
public enum ResizeMode
{
    /// <summary>Scale each axis independently to the target size (aspect ratio not kept).</summary>
    Stretch,

    /// <summary>
    /// Scale so the target covers <see cref="ImagePreprocessing.CropFraction"/> of the shorter side, then cut the centre
    /// (ImageNet habit: resize to 256, crop 224).
    /// </summary>
    CenterCrop,
}
