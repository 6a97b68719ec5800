namespace EdgeOpt.Targets;

/// <summary>How <see cref="Packager"/> builds a platform package.</summary>
public sealed record PackageOptions
{
    /// <summary>The platform the package is for.</summary>
    public PackageTarget Target { get; init; } = PackageTarget.LinuxX64;

    /// <summary>
    /// A catalogue device (id or alias) of the target's platform: picks threads, power mode and accelerator advice.
    /// Null: the target's default device (Pixel 7, iPhone 15 Pro, Jetson Orin Nano, Raspberry Pi 5; none for linux-*).
    /// </summary>
    public string? Device { get; init; }

    /// <summary>The precision to ship; <see cref="PackagePrecision.Int8"/> needs calibration data.</summary>
    public PackagePrecision Precision { get; init; } = PackagePrecision.Fp32;

    /// <summary>Run-time shape ranges of symbolic inputs (TensorRT optimization profiles; fixed shapes elsewhere use min = opt = max).</summary>
    public IReadOnlyList<ShapeRange> ShapeRanges { get; init; } = [];

    /// <summary>Calibration samples read for INT8 (null: all the data given, up to the quantizer's default).</summary>
    public int? CalibrationSamples { get; init; }

    /// <summary>Replace an earlier EdgeOpt package in the output folder (never a folder holding other files).</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Build the runner of linux targets with <c>dotnet publish</c> (needs the .NET SDK and NuGet); false ships the
    /// runner's source and a build script instead. Ignored by other targets.
    /// </summary>
    public bool PublishRunner { get; init; } = true;

    /// <summary>Problems with these options alone, each naming its member.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (!Enum.IsDefined(Target)) problems.Add(new($"{{0}} {(int)Target} is unknown", $"{nameof(PackageOptions)}.{nameof(Target)}"));
        if (!Enum.IsDefined(Precision)) problems.Add(new($"{{0}} {(int)Precision} is unknown", $"{nameof(PackageOptions)}.{nameof(Precision)}"));
        if (CalibrationSamples is < 1)
            problems.Add(new($"{{0}} {CalibrationSamples} is out of range; expected 1 or more", $"{nameof(PackageOptions)}.{nameof(CalibrationSamples)}"));
        foreach (var duplicate in ShapeRanges.GroupBy(r => r.Input, StringComparer.Ordinal).Where(g => g.Count() > 1))
            problems.Add(new($"{{0}} gives input '{duplicate.Key}' {duplicate.Count()} times; give one range per input", $"{nameof(PackageOptions)}.{nameof(ShapeRanges)}"));
        return problems;
    }
}
