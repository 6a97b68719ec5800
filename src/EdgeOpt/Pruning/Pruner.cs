using System.Diagnostics;
using EdgeOpt.Analysis;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Pruning.Internal;
using EdgeOpt.Runtime;

namespace EdgeOpt.Pruning;

/// <summary>
/// Prunes an ONNX model in place of a training framework: structured (whole channels, followed through the graph as
/// dependency groups, optionally recovered by least squares on calibration data) or unstructured (magnitude or N:M,
/// optionally with a second-order update). The same switches as <c>edgeopt prune</c>:
/// <code>
/// var pruner = new Pruner(new PruningOptions { TargetMacs = 0.7, Reconstruct = true });
/// using var result = pruner.Prune(model, calibrationImages);
/// result.Model.Save("model.pruned.onnx");
/// </code>
/// The input model is never changed. Every result is run by ONNX Runtime against the original before it is returned
/// (<see cref="PruningResult.Fidelity"/>).
/// </summary>
public sealed class Pruner
{
    /// <summary>At most this many samples of the data go into the fidelity check of the result.</summary>
    public const int FidelitySamples = 32;

    public Pruner(PruningOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    public PruningOptions Options { get; }

    /// <summary>Prunes a copy of <paramref name="model"/>; <paramref name="data"/> is the calibration data (needed for reconstruction, activation importance, Wanda and the second-order update).</summary>
    /// <exception cref="InvalidOptionsException">The options cannot work, alone or with the data given or missing (<see cref="PruningOptions.Validate"/>).</exception>
    /// <exception cref="UsageException">An excluded node that does not exist, no prunable group or layer, data that does not fit the model.</exception>
    /// <exception cref="ConstraintException">The MAC target cannot be reached: the message gives the closest reachable and what blocked the rest.</exception>
    public PruningResult Prune(Model model, ISampleSource? data = null, IProgress<PruningProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ThrowHelper.IfInvalid(Options.Validate(withData: data is not null));
        CheckExcludedNamesExist(model.Graph, Options.ExcludedNodes);
        data?.CheckFits(model);

        var clock = Stopwatch.StartNew();
        ModelProfile before;
        using (var copy = model.Clone()) before = ModelProfile.Analyze(copy); // Analyze infers shapes into the model it is given
        var bytesBefore = model.CalculateSerializedSize();
        var samples = data is null ? null : data.Samples(Options.Samples).ToList();
        cancellation.ThrowIfCancellationRequested();

        var work = model.Clone();
        try
        {
            var outcome = Options.Kind == PruningKind.Structured
                ? StructuredPruning.Run(model, work, Options, samples, progress, cancellation)
                : UnstructuredPruning.Run(model, work, Options, samples, progress, cancellation);
            cancellation.ThrowIfCancellationRequested();

            progress?.Report(new PruningProgress("checking", 0, 0));
            if (GraphInvariants.Find(work) is { Count: > 0 } broken)
                throw new EdgeOptException($"pruning left an inconsistent graph (a bug; please report it): {broken[0]}");
            var fidelity = samples is null
                ? ModelEquivalence.Compare(model, work, samples: 8)
                : ModelEquivalence.Compare(model, work, samples.Take(FidelitySamples).ToList());
            var after = ModelProfile.Analyze(work);
            return new PruningResult
            {
                Model = work,
                Options = Options,
                MacsBefore = before.Macs,
                MacsAfter = after.Macs,
                ParametersBefore = before.Parameters,
                ParametersAfter = after.Parameters,
                BytesBefore = bytesBefore,
                BytesAfter = work.CalculateSerializedSize(),
                Groups = outcome.Groups,
                Sensitivity = outcome.Sensitivity,
                Reconstruction = outcome.Reconstruction,
                Layers = outcome.Layers,
                Fidelity = fidelity,
                FidelityOnData = samples is not null,
                Warnings = outcome.Warnings,
                Elapsed = clock.Elapsed,
            };
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    private static void CheckExcludedNamesExist(Graph graph, IReadOnlyCollection<string> names)
    {
        if (names.Count == 0) return;
        // A node is known by its name, or by its first output's name when it has none (exported graphs often do not name nodes).
        var present = graph.Nodes.SelectMany(n => n.Outputs.Count > 0 ? new[] { n.Name, n.Outputs[0].Name } : [n.Name])
            .Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names)
            if (!present.Contains(name))
                ThrowHelper.Usage($"cannot exclude node '{name}': the graph '{graph.Name}' has no node with that name (or output of an unnamed node)");
    }
}
