namespace EdgeOpt.Tests.Optimization;

internal enum VariantOutcome
{
    /// <summary>The variant changed the model and the result reproduces the reference outputs.</summary>
    Pass,

    /// <summary>The variant left the model byte-identical (nothing to do): correct by construction.</summary>
    Unchanged,

    /// <summary>ORT cannot judge: it cannot load or run the original, or the original's outputs are random.</summary>
    Skip,

    /// <summary>The variant threw, broke its contract, or its result differs from the reference outputs.</summary>
    Fail,
}

/// <summary>How one optimization variant fared on one conformance model.</summary>
internal sealed record VariantResult(string Variant, string Suite, string Model, VariantOutcome Outcome, string Reason = "")
{
    public override string ToString() => $"{Variant} on {Suite}/{Model}: {Outcome}{(Reason.Length > 0 ? " — " + Reason : "")}";
}
