using System.Diagnostics;
using System.Runtime.ExceptionServices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Runs passes in order, repeating the whole list until a round changes nothing (a fixpoint) or
/// <see cref="MaxIterations"/> rounds have run; a pass with <see cref="IGraphPass.RunsOnce"/> runs in the first round
/// only. Before each run the manager checks the pass's <see cref="IGraphPass.Requirements"/> (unmet: the pass is
/// skipped and <see cref="PassStatistics.Skipped"/> says why) and snapshots the model (a structural clone, no weight
/// copies). If the pass throws, the model is restored and the error keeps its type with the pass named in its
/// message (an unexpected exception becomes a <see cref="PassFailedException"/> holding it). With
/// <see cref="CheckInvariants"/> on, <see cref="GraphInvariants"/> run after every pass and a rule the pass broke
/// undoes it and throws <see cref="PassFailedException"/>.
/// </summary>
public sealed class PassManager
{
    private readonly IReadOnlyList<IGraphPass> _passes;

    public PassManager(IEnumerable<IGraphPass> passes, int maxIterations = 8)
    {
        ArgumentNullException.ThrowIfNull(passes);
        _passes = passes.ToList();
        MaxIterations = Math.Max(1, maxIterations);
    }

    public IReadOnlyList<IGraphPass> Passes => _passes;

    /// <summary>Most fixpoint rounds to run.</summary>
    public int MaxIterations { get; }

    /// <summary>
    /// Whether <see cref="GraphInvariants"/> are checked after every pass (only rules the pass newly broke count, so a
    /// model that arrives with a flaw is not blamed on the passes). On by default in Debug builds and in the test suite.
    /// </summary>
    public bool CheckInvariants { get; init; } = CheckInvariantsByDefault;

#if DEBUG
    internal static bool CheckInvariantsByDefault { get; set; } = true;
#else
    /// <summary>The default of <see cref="CheckInvariants"/>; the test suite turns it on for every manager it creates.</summary>
    internal static bool CheckInvariantsByDefault { get; set; }
#endif

    /// <summary>
    /// The pipeline <see cref="ModelOptimizer"/> runs for <paramref name="options"/>: the user's requests first, once
    /// each and only when given — <see cref="FixInputShapes"/>, <see cref="BindInputs"/>, the opset conversion —
    /// then the passes <see cref="PassRegistry.Select"/> chooses, to a fixpoint.
    /// </summary>
    /// <exception cref="InvalidOptionsException">The options cannot work (<see cref="OptimizationOptions.Validate"/>).</exception>
    public static PassManager FromOptions(OptimizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowHelper.IfInvalid(options.Validate());
        var requested = new List<IGraphPass>();
        if (options.FixedShapes.Count > 0) requested.Add(new FixInputShapes(options.FixedShapes));
        if (options.Bindings.Count > 0) requested.Add(new BindInputs(options.Bindings));
        if (options.TargetOpset is { } target) requested.Add(new ConvertOpset(target));
        var selected = PassRegistry.Select(options).Where(p => p is not (FixInputShapes or BindInputs));
        return new PassManager([.. requested, .. selected], options.MaxIterations);
    }

    public OptimizationReport Run(Model model, PassContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        context ??= new PassContext();
        var total = Stopwatch.StartNew();
        var stats = _passes.Select(_ => new Accumulator()).ToArray();
        var nodesBefore = CountNodes(model);
        var bytesBefore = InitializerBytes(model);
        var flaws = CheckInvariants ? GraphInvariants.Find(model).ToHashSet(StringComparer.Ordinal) : null;
        var iterations = 0;
        var changed = true;
        while (changed && iterations < MaxIterations)
        {
            changed = false;
            iterations++;
            for (var i = 0; i < _passes.Count; i++)
            {
                var pass = _passes[i];
                if (pass.RunsOnce && iterations > 1) continue;
                context.Cancellation.ThrowIfCancellationRequested();
                var acc = stats[i];
                if (pass.Requirements.Unmet(model) is { } unmet)
                {
                    acc.Skipped = $"requires {unmet}";
                    continue;
                }
                var nodes = CountNodes(model);
                var bytes = InitializerBytes(model);
                acc.NodesBefore ??= nodes;
                acc.BytesBefore ??= bytes;
                var snapshot = model.Clone();
                var watch = Stopwatch.StartNew();
                PassResult result;
                try
                {
                    result = pass.Run(model, context) ?? throw new InvalidOperationException("Run returned no result");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    model.RestoreFrom(snapshot);
                    throw Attributed(e, pass.Name);
                }
                acc.Elapsed += watch.Elapsed;
                if (flaws is not null) flaws = CheckAfter(pass, model, snapshot, flaws);
                acc.Runs++;
                acc.Results.Add(result);
                acc.Rewrites += result.Rewrites;
                if (result.Changed)
                {
                    acc.Changes++;
                    if (!pass.RunsOnce) changed = true;
                }
                acc.NodesAfter = CountNodes(model);
                acc.BytesAfter = InitializerBytes(model);
            }
        }
        var passStats = _passes.Select((p, i) =>
        {
            var a = stats[i];
            return new PassStatistics(p.Name, a.Runs, a.Changes, a.NodesBefore ?? 0, a.NodesAfter, a.BytesBefore ?? 0, a.BytesAfter, a.Elapsed)
            {
                Rewrites = a.Rewrites,
                Skipped = a.Skipped,
                Results = a.Results,
            };
        }).ToList();
        return new OptimizationReport(passStats, iterations, nodesBefore, CountNodes(model), bytesBefore, InitializerBytes(model), total.Elapsed, context.Notes.ToList());
    }

    /// <summary>Nodes in the main graph and all subgraphs.</summary>
    public static int CountNodes(Model model) => model.Graph.AllNodes().Count();

    /// <summary>Bytes of every initializer in every graph.</summary>
    public static long InitializerBytes(Model model) =>
        model.Graph.AllGraphs().SelectMany(g => g.Initializers).Sum(v => v.Initializer?.ByteLength ?? 0);

    /// <summary>The invariants after <paramref name="pass"/>; a rule it newly broke undoes the pass and throws.</summary>
    private static HashSet<string> CheckAfter(IGraphPass pass, Model model, Model snapshot, HashSet<string> before)
    {
        var now = GraphInvariants.Find(model).ToHashSet(StringComparer.Ordinal);
        var broken = now.Where(p => !before.Contains(p)).ToList();
        if (pass.Ensures.HasFlag(PassPostconditions.NoUnusedInitializers))
            broken.AddRange(GraphInvariants.Find(model, allowUnusedInitializers: false).Where(p => !now.Contains(p)));
        if (broken.Count == 0) return now;
        model.RestoreFrom(snapshot);
        var more = broken.Count > 1 ? $" (and {broken.Count - 1} more)" : "";
        throw new PassFailedException(pass.Name, $"pass '{pass.Name}' broke a graph invariant and was undone: {broken[0]}{more}");
    }

    /// <summary>
    /// The error to rethrow for <paramref name="e"/> raised inside <paramref name="pass"/>: EdgeOpt's typed errors keep
    /// their type (so the CLI's exit code follows it) with the pass named in the message and the original inside;
    /// anything unexpected becomes a <see cref="PassFailedException"/>.
    /// </summary>
    private static Exception Attributed(Exception e, string pass)
    {
        var message = $"pass '{pass}' failed and was undone: {e.Message}";
        // Exact types: a subclass (InvalidOptionsException is a UsageException) carries more than its base would,
        // so it takes the last typed branch and is rethrown itself.
        switch (e)
        {
            case PassFailedException: return e;
            // The process is short of memory, not the pass wrong: the graph is restored, the error stays what it is.
            case OutOfMemoryException: return e;
            case not null when e.GetType() == typeof(UsageException): return new UsageException(message, e);
            case not null when e.GetType() == typeof(UnsupportedOperatorException): return new UnsupportedOperatorException(message, e);
            case not null when e.GetType() == typeof(ModelFormatException): return new ModelFormatException(message, e);
            case not null when e.GetType() == typeof(DataFormatException): return new DataFormatException(message, e);
            case not null when e.GetType() == typeof(ConstraintException): return new ConstraintException(message, e);
            case EdgeOptException when e.GetType() != typeof(EdgeOptException):
                // A typed error this switch does not know: its type (and what it carries) matters more than the message.
                e.Data["pass"] = pass;
                ExceptionDispatchInfo.Throw(e);
                return e;
            default: return new PassFailedException(pass, message, e);
        }
    }

    private sealed class Accumulator
    {
        public int Runs;
        public int Changes;
        public int Rewrites;
        public string? Skipped;
        public int? NodesBefore;
        public int NodesAfter;
        public long? BytesBefore;
        public long BytesAfter;
        public TimeSpan Elapsed;
        public List<PassResult> Results { get; } = [];
    }
}
