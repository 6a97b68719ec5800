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

    /// <summary>Every problem with these options, all at once, the image settings' included (empty: they can work); <see cref="SampleSources.Open"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (RandomSamples <= 0) problems.Add(new($"{{0}} {RandomSamples}: expected a positive number", $"{nameof(SampleSourceOptions)}.{nameof(RandomSamples)}"));
        if (Image is not null) problems.AddRange(Image.Validate());
        return problems;
    }
}
