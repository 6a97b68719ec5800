using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.Ios;

internal sealed class IosWriter : ITargetWriter
{
    public string? RefusePrecision(PackagePrecision precision) => null;

    public void Write(PackageContext context, string folder) => throw new NotImplementedException("IosWriter is being written");
}
