using EdgeOpt.Devices;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>Options for <see cref="DeviceMatrix.Build"/>.</summary>
public sealed record DeviceMatrixOptions
{
    public static DeviceMatrixOptions Default { get; } = new();

    /// <summary>The number format the devices' rows are estimated at (the host row measures the model as given).</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>Items per inference, for the estimates and the host measurement.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Sizes for symbolic dims other than the batch (e.g. <c>sequence_length = 128</c>), for both estimates and the host run.</summary>
    public IReadOnlyDictionary<string, long> DimensionValues { get; init; } = new Dictionary<string, long>();

    /// <summary>Whether to add the host row, measured with ONNX Runtime; false: estimates only, nothing is run.</summary>
    public bool MeasureHost { get; init; } = true;

    /// <summary>Intra-op threads of the host measurement; null: every logical core.</summary>
    public int? HostThreads { get; init; }

    /// <summary>Timed inferences of the host measurement (after <see cref="HostWarmup"/> untimed ones).</summary>
    public int HostRuns { get; init; } = 20;

    /// <summary>Untimed inferences before the host measurement.</summary>
    public int HostWarmup { get; init; } = 3;

    /// <summary>Every problem at once (empty: the options can work).</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (!Enum.IsDefined(Precision)) problems.Add(new($"{{0}} {(int)Precision} is not a precision", Name(nameof(Precision))));
        if (Batch < 1) problems.Add(new($"{{0}} is {Batch}: expected at least 1", Name(nameof(Batch))));
        if (HostThreads is < 1 or > BenchmarkOptions.MaxThreads)
            problems.Add(new($"{{0}} is {HostThreads}: expected 1 to {BenchmarkOptions.MaxThreads}", Name(nameof(HostThreads))));
        if (HostRuns < 1) problems.Add(new($"{{0}} is {HostRuns}: expected at least 1", Name(nameof(HostRuns))));
        if (HostWarmup < 0) problems.Add(new($"{{0}} is {HostWarmup}: expected 0 or more", Name(nameof(HostWarmup))));
        foreach (var (symbol, size) in DimensionValues)
            if (size < 1) problems.Add(new($"{{0}} {symbol}={size}: a dim size must be positive", Name(nameof(DimensionValues))));
        return problems;
    }

    private static string Name(string member) => $"{nameof(DeviceMatrixOptions)}.{member}";
}
