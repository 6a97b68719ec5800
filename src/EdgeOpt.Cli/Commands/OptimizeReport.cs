using EdgeOpt.Passes;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// What <c>edgeopt optimize</c> prints, as a table or as JSON (camelCase keys): one row per pass and totals over the
/// whole run. Times are milliseconds; byte counts are initializer payloads, file sizes include external data files.
/// </summary>
internal sealed record OptimizeReport(
    string Input,
    string Output,
    string Level,
    IReadOnlyDictionary<string, long[]> FixedShapes,
    IReadOnlyDictionary<string, string> Bindings,
    long? OpsetBefore,
    long? OpsetAfter,
    OptimizeReport.ConversionRow? Conversion,
    IReadOnlyList<OptimizeReport.PassRow> Passes,
    int Iterations,
    OptimizeReport.TotalsRow Totals,
    IReadOnlyList<string> Notes)
{
    public static OptimizeReport Create(string input, string output, OptimizationOptions options, long? opsetBefore, long? opsetAfter,
        OptimizationResult result, long fileBytesBefore, long fileBytesAfter, TimeSpan elapsed) => new(
        input,
        output,
        options.Passes is null ? options.Level.ToString().ToLowerInvariant() : "explicit",
        result.FixedShapes,
        result.Bindings,
        opsetBefore,
        opsetAfter,
        result.Conversion is { } c
            ? new ConversionRow(c.Report.SourceOpset, c.Report.TargetOpset, c.Report.IrVersionBefore, c.Report.IrVersionAfter,
                c.NodesBefore, c.NodesAfter, c.Report.NodesChangedByOp, c.Elapsed.TotalMilliseconds)
            : null,
        [.. result.Passes.Passes.Select(p => new PassRow(p.Pass, p.Runs, p.Changes, p.NodesBefore, p.NodesAfter,
            p.InitializerBytesBefore, p.InitializerBytesAfter, p.Elapsed.TotalMilliseconds) { Rewrites = p.Rewrites, Skipped = p.Skipped })],
        result.Passes.Iterations,
        new TotalsRow(result.NodesBefore, result.NodesAfter, result.InitializerBytesBefore, result.InitializerBytesAfter,
            fileBytesBefore, fileBytesAfter, result.Elapsed.TotalMilliseconds, elapsed.TotalMilliseconds),
        result.Passes.Notes);

    /// <summary>
    /// One pass over the whole fixpoint: runs, runs that changed something, and the model before its first and after
    /// its last run; rewrites summed over its runs; why it was skipped (unmet requirements; absent when it ran).
    /// </summary>
    internal sealed record PassRow(string Pass, int Runs, int Changes, int NodesBefore, int NodesAfter,
        long InitializerBytesBefore, long InitializerBytesAfter, double ElapsedMs)
    {
        public int Rewrites { get; init; }
        public string? Skipped { get; init; }
    }

    internal sealed record ConversionRow(long FromOpset, long ToOpset, long IrVersionBefore, long IrVersionAfter, int NodesBefore, int NodesAfter,
        IReadOnlyDictionary<string, int> NodesChangedByOp, double ElapsedMs);

    /// <summary><c>OptimizeMs</c> is the optimizer alone; <c>ElapsedMs</c> adds loading and saving.</summary>
    internal sealed record TotalsRow(int NodesBefore, int NodesAfter, long InitializerBytesBefore, long InitializerBytesAfter,
        long FileBytesBefore, long FileBytesAfter, double OptimizeMs, double ElapsedMs);
}
