using System.Diagnostics;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Runs passes in order, repeating the whole list until a round changes nothing (a fixpoint) or
/// <see cref="OptimizationOptions.MaxIterations"/> rounds have run. Before each pass the model is snapshotted
/// (a structural clone, no weight copies); if the pass throws, the model is restored and the error names the pass.
/// </summary>
public sealed class PassManager
{
    private readonly IReadOnlyList<IGraphPass> _passes;
    private readonly int _maxIterations;

    public PassManager(IEnumerable<IGraphPass> passes, int maxIterations = 8)
    {
        _passes = passes.ToList();
        _maxIterations = Math.Max(1, maxIterations);
    }

    public IReadOnlyList<IGraphPass> Passes => _passes;

    /// <summary>A manager for the passes <paramref name="options"/> selects from <see cref="PassRegistry"/>.</summary>
    public static PassManager FromOptions(OptimizationOptions options) =>
        new(PassRegistry.Select(options), options.MaxIterations);

    public OptimizationReport Run(Model model, PassContext? context = null)
    {
        context ??= new PassContext();
        var total = Stopwatch.StartNew();
        var stats = _passes.ToDictionary(p => p.Name, p => new Accumulator());
        var nodesBefore = CountNodes(model);
        var bytesBefore = InitializerBytes(model);
        var iterations = 0;
        var changed = true;
        while (changed && iterations < _maxIterations)
        {
            changed = false;
            iterations++;
            foreach (var pass in _passes)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var acc = stats[pass.Name];
                var nodes = CountNodes(model);
                var bytes = InitializerBytes(model);
                acc.NodesBefore ??= nodes;
                acc.BytesBefore ??= bytes;
                var snapshot = model.Clone();
                var watch = Stopwatch.StartNew();
                bool passChanged;
                try
                {
                    passChanged = pass.Run(model, context);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    model.RestoreFrom(snapshot);
                    throw new EdgeOptException($"pass '{pass.Name}' failed and was undone: {e.Message}", e);
                }
                acc.Elapsed += watch.Elapsed;
                acc.Runs++;
                if (passChanged)
                {
                    acc.Changes++;
                    changed = true;
                }
                acc.NodesAfter = CountNodes(model);
                acc.BytesAfter = InitializerBytes(model);
            }
        }
        var passStats = _passes.Select(p =>
        {
            var a = stats[p.Name];
            return new PassStatistics(p.Name, a.Runs, a.Changes, a.NodesBefore ?? 0, a.NodesAfter, a.BytesBefore ?? 0, a.BytesAfter, a.Elapsed);
        }).ToList();
        return new OptimizationReport(passStats, iterations, nodesBefore, CountNodes(model), bytesBefore, InitializerBytes(model), total.Elapsed, context.Notes.ToList());
    }

    /// <summary>Nodes in the main graph and all subgraphs.</summary>
    public static int CountNodes(Model model) => model.Graph.AllNodes().Count();

    /// <summary>Bytes of every initializer in every graph.</summary>
    public static long InitializerBytes(Model model) =>
        model.Graph.AllGraphs().SelectMany(g => g.Initializers).Sum(v => v.Initializer?.ByteLength ?? 0);

    private sealed class Accumulator
    {
        public int Runs;
        public int Changes;
        public int? NodesBefore;
        public int NodesAfter;
        public long? BytesBefore;
        public long BytesAfter;
        public TimeSpan Elapsed;
    }
}
