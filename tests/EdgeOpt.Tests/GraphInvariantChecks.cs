using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using EdgeOpt.Passes;

namespace EdgeOpt.Tests;

/// <summary>
/// The suite runs every <see cref="PassManager"/> with graph invariant checks on (Release builds leave them off by
/// default), so any test that optimizes a model also proves no pass broke its structure.
/// </summary>
internal static class GraphInvariantChecks
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "Test-wide switch that must be set before any test creates a PassManager.")]
    internal static void TurnOn() => PassManager.CheckInvariantsByDefault = true;
}
