using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.Android;

internal sealed class AndroidWriter : ITargetWriter
{
    public string? RefusePrecision(PackagePrecision precision) => null;

    public void Write(PackageContext context, string folder) => throw new NotImplementedException("AndroidWriter is being written");
}
