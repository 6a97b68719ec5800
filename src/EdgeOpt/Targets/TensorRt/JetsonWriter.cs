using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.TensorRt;

internal sealed class JetsonWriter : ITargetWriter
{
    public string? RefusePrecision(PackagePrecision precision) => null;

    public void Write(PackageContext context, string folder) => throw new NotImplementedException("JetsonWriter is being written");
}
