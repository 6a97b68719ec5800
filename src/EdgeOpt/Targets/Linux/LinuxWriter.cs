using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.Linux;

/// <summary>The CPU architecture of a Linux package.</summary>
internal enum LinuxArchitecture
{
    X64,
    Arm64,
}

internal sealed class LinuxWriter(LinuxArchitecture architecture, bool raspberryPi) : ITargetWriter
{
    public LinuxArchitecture Architecture { get; } = architecture;

    public bool RaspberryPi { get; } = raspberryPi;

    public string? RefusePrecision(PackagePrecision precision) => null;

    public void Write(PackageContext context, string folder) => throw new NotImplementedException("LinuxWriter is being written");
}
