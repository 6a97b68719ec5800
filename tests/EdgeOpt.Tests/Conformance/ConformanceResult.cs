namespace EdgeOpt.Tests.Conformance;

internal enum ConformanceOutcome
{
    Pass,
    Skip,
    Fail,
}

/// <summary>How one suite model fared: pass, skip (ONNX Runtime cannot run or deviates on the original) or fail (ours).</summary>
internal sealed record ConformanceResult(string Suite, string Model, ConformanceOutcome Outcome, string Reason = "")
{
    public static ConformanceResult Pass(string suite, string model) => new(suite, model, ConformanceOutcome.Pass);
    public static ConformanceResult Skip(string suite, string model, string reason) => new(suite, model, ConformanceOutcome.Skip, reason);
    public static ConformanceResult Fail(string suite, string model, string reason) => new(suite, model, ConformanceOutcome.Fail, reason);

    public override string ToString() => $"{Suite}/{Model}: {Outcome}{(Reason.Length > 0 ? " — " + Reason : "")}";
}
