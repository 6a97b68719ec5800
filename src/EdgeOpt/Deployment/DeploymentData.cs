using EdgeOpt.Data;

namespace EdgeOpt.Deployment;

/// <summary>
/// The data a deployment calibrates and evaluates on: anything <see cref="SampleSources.Open"/> reads (a folder of
/// images, .npz, .npy, IDX, a test_data_set folder), read with <see cref="Source"/>'s options, and labels for accuracy.
/// Calibration takes the first <see cref="CalibrationSamples"/> samples; evaluation the next <see cref="Samples"/>
/// (0: all the rest). Without labels every accuracy figure is fidelity to the FP32 model.
/// </summary>
public sealed record DeploymentData
{
    /// <summary>The data's path.</summary>
    public required string Path { get; init; }

    /// <summary>Labels, one per sample in data order (text, .npy or IDX1); null: image class sub-folders, or fidelity only.</summary>
    public string? LabelsPath { get; init; }

    /// <summary>How samples are read (image preprocessing).</summary>
    public SampleSourceOptions Source { get; init; } = new();

    /// <summary>Samples that calibrate static INT8 and mixed precision (the first ones).</summary>
    public int CalibrationSamples { get; init; } = 100;

    /// <summary>Samples evaluated after the calibration ones; 0: all of them.</summary>
    public int Samples { get; init; }

    /// <summary>Every problem at once, each naming the member.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (string.IsNullOrWhiteSpace(Path)) problems.Add(new("{0} is empty: expected the data's path", Name(nameof(Path))));
        if (CalibrationSamples < 1) problems.Add(new($"{{0}} is {CalibrationSamples}: expected at least 1", Name(nameof(CalibrationSamples))));
        if (Samples < 0) problems.Add(new($"{{0}} is {Samples}: expected 0 (all) or more", Name(nameof(Samples))));
        problems.AddRange(Source.Validate());
        return problems;
    }

    private static string Name(string member) => $"{nameof(DeploymentData)}.{member}";
}
