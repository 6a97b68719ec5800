namespace EdgeOpt.Data;

/// <summary>How <see cref="SampleSources.Open"/> reads data.</summary>
public sealed record SampleSourceOptions
{
    /// <summary>Preprocessing for image folders; null: the defaults of <see cref="ImagePreprocessing"/> (size and channels from the model).</summary>
    public ImagePreprocessing? Image { get; init; }

    /// <summary>How many samples <c>random</c> (without <c>:N</c>) makes.</summary>
    public int RandomSamples { get; init; } = 32;

    /// <summary>Seed of random sample 0; sample i uses <c>Seed + i</c>, so any sample can be read again alone.</summary>
    public int Seed { get; init; }
}
