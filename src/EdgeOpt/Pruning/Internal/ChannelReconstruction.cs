using System.Runtime.InteropServices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Training-free recovery after structured pruning (He et al. 2017; ThiNet): each consumer of pruned channels gets
/// new weights and bias by ridge least squares so that, on the calibration data, its outputs match the unpruned
/// model's outputs on the channels it kept. Its inputs are taken from the pruned model itself, after the consumers
/// before it were refit, so each layer also compensates what the earlier ones could not recover; consumers are
/// refit in graph order, one ORT pass each (up to <see cref="Stages"/>; a pass runs only the front of the network it
/// needs). A consumer that ends a residual block (consumer → BatchNormalization → Add) is also asked to undo what the
/// pruned shortcut misses of the original's, so errors do not pile up along the stream block after block.
/// Where a consumer cannot be refit (grouped or depthwise Conv, a weight this view does not cover, a fit that would
/// not help), the BatchNormalization reading its output gets statistics re-estimated on the data instead, so its
/// output keeps the original's mean and spread per channel.
/// <para>
/// Rows: a Conv is seen as its im2col matrix at a seeded sample of output positions per image
/// (<see cref="MaxRowsPerSample"/>); Gemm/MatMul rows directly. Only XᵀX and XᵀY are accumulated (in double), never
/// the activations; the normal equations (XᵀX + λI) W = XᵀY + λW₀ are solved by Cholesky, λ a small share of the
/// mean diagonal, pulling towards the pruned weights W₀ where the data says little.
/// </para>
/// </summary>
internal static class ChannelReconstruction
{
    /// <summary>
    /// At most this many ORT passes over the pruned model (plus one over the original). One per consumer (fully
    /// sequential) is what ResNet18 needs: with 12 stages for its 19 consumers the held-out cosine at 0.75× MACs was
    /// 0.93, with 19 it is 0.96 (each pass runs only the front of the network its consumers need).
    /// </summary>
    public const int Stages = 64;

    /// <summary>Output positions sampled per image and layer, at most (fewer for small layers).</summary>
    public const int MaxRowsPerSample = 50;

    /// <summary>
    /// Ridge strength as a share of the mean diagonal of XᵀX. Strong on purpose: the late 3×3 convs have up to 4,608
    /// columns for ~5,000 sampled rows, and a weak pull towards the pruned weights fits the calibration crops at the
    /// expense of other images (ResNet18 at 0.75× MACs, held-out mean cosine: 0.89 at 0.01, 0.95 at 0.05, 0.97 at 0.4).
    /// </summary>
    public const double Ridge = 0.4;

    /// <summary>Rows per layer kept aside to measure the error before and after the refit.</summary>
    private const int EvaluationRows = 768;

    /// <summary>
    /// Refits the <paramref name="consumers"/> of <paramref name="pruned"/> in place against <paramref name="original"/>
    /// on <paramref name="samples"/>. With <paramref name="sparsify"/> (unstructured pruning), each refit is then made
    /// sparse with the Gram matrix of the same inputs, and the sparse result is always written (see
    /// <see cref="RefitSparse"/>); <paramref name="maxRowsPerSample"/> caps the positions sampled per image.
    /// </summary>
    public static ReconstructionReport Apply(Model original, Model pruned, IReadOnlyList<PrunedConsumer> consumers,
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples, IProgress<PruningProgress>? progress, CancellationToken cancellation,
        LayerSparsifier? sparsify = null, int maxRowsPerSample = MaxRowsPerSample)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(pruned);
        ArgumentNullException.ThrowIfNull(consumers);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) ThrowHelper.Usage("reconstruction needs calibration samples; none were given");

        var skipped = new List<string>();
        var fits = Resolve(original, pruned, consumers, skipped);
        foreach (var fit in fits) fit.MaxRowsPerSample = maxRowsPerSample;
        var reports = new List<ReconstructedLayer>();
        var notRefit = new List<Fit>(fits.Where(f => f.Layer is null));
        var refittable = fits.Where(f => f.Layer is not null).ToList();

        // One pass over the original: every consumer's output at its sampled positions, and its per-channel statistics.
        progress?.Report(new PruningProgress("reconstructing", 0, fits.Count));
        CaptureOriginal(original, fits, samples, cancellation);

        var stages = Math.Min(Stages, Math.Max(1, refittable.Count));
        var done = 0;
        for (var stage = 0; stage < stages; stage++)
        {
            var slice = refittable.Skip(stage * refittable.Count / stages).Take(((stage + 1) * refittable.Count / stages) - (stage * refittable.Count / stages)).ToList();
            if (slice.Count == 0) continue;
            CapturePruned(pruned, slice, samples, cancellation);
            foreach (var fit in slice)
            {
                cancellation.ThrowIfCancellationRequested();
                var (before, after, applied) = Refit(fit, sparsify);
                reports.Add(new ReconstructedLayer(fit.Node.DisplayName, before, after));
                if (!applied && sparsify is not null)
                    skipped.Add($"{fit.Node.DisplayName}: its calibration inputs are degenerate (Hessian not positive definite); not made sparse here");
                else if (!applied)
                {
                    skipped.Add($"{fit.Node.DisplayName}: the least-squares fit did not lower its error ({before:0.####} → {after:0.####}); weights kept");
                    notRefit.Add(fit);
                }
                progress?.Report(new PruningProgress("reconstructing", ++done, fits.Count));
            }
        }

        // Consumers left as they were: correct the BatchNormalization after them, measured on the pruned model as it now is.
        var batchNorms = 0;
        var corrections = notRefit.Select(f => (Fit: f, BatchNorm: BatchNormAfter(pruned, f.Output))).Where(c => c.BatchNorm is not null).ToList();
        if (corrections.Count > 0)
        {
            foreach (var (fit, _) in corrections) fit.PrunedStatistics = null;
            CapturePruned(pruned, corrections.Select(c => c.Fit).ToList(), samples, cancellation, statisticsOnly: true);
            foreach (var (fit, batchNorm) in corrections)
                if (BatchNormRecalibration.Correct(batchNorm!, fit.OriginalStatistics!, fit.PrunedStatistics!, fit.KeptOutputs)) batchNorms++;
        }
        return new ReconstructionReport(samples.Count, batchNorms, reports) { Skipped = skipped };
    }

    /// <summary>What one consumer needs: its node in both models, its layer view (null: not refit), and what the passes gathered.</summary>
    private sealed class Fit
    {
        public required int Index { get; init; }
        public required string Output { get; init; }
        public required Node Node { get; init; }
        public LinearLayer? Layer { get; init; }
        public IReadOnlyList<int>? KeptOutputs { get; init; }
        public int MaxRowsPerSample { get; set; } = ChannelReconstruction.MaxRowsPerSample;
        public int OriginalChannels { get; set; }
        public ChannelStatistics? OriginalStatistics { get; set; }
        public ChannelStatistics? PrunedStatistics { get; set; }

        /// <summary>Original outputs on the kept channels at the sampled positions, per sample.</summary>
        public float[]?[] Targets { get; set; } = [];
        public GramAccumulator? Accumulator { get; set; }
        public List<float> EvalInputs { get; } = [];
        public List<float> EvalTargets { get; } = [];
        public List<float> EvalBefore { get; } = [];

        /// <summary>The other input of the residual Add that this consumer's BatchNormalization feeds (null: none).</summary>
        public string? Shortcut { get; set; }

        /// <summary>√(σ²+ε)/γ per kept channel: a shortcut error e is undone by moving the pre-BN target by e times this.</summary>
        public float[]? ShortcutGain { get; set; }

        /// <summary>The original model's shortcut on the kept channels at the sampled positions, per sample.</summary>
        public float[]?[] ShortcutOriginal { get; set; } = [];

        /// <summary>The pruned model's shortcut at the same positions, for the sample being captured.</summary>
        public float[]? ShortcutPruned { get; set; }
    }

    private static List<Fit> Resolve(Model original, Model pruned, IReadOnlyList<PrunedConsumer> consumers, List<string> skipped)
    {
        var originalOutputs = OutputNames(original.Graph);
        var prunedNodes = pruned.Graph.TopologicalOrder().Where(n => n.Outputs.Count > 0 && n.Outputs[0].Name.Length > 0)
            .GroupBy(n => n.Outputs[0].Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var order = pruned.Graph.TopologicalOrder().Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var weightUses = pruned.Graph.Nodes.SelectMany(n => n.Inputs).Where(v => v is { IsInitializer: true })
            .GroupBy(v => v!.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var fits = new List<Fit>();
        foreach (var consumer in consumers)
        {
            if (!prunedNodes.TryGetValue(consumer.Output, out var node) || !originalOutputs.Contains(consumer.Output))
            {
                skipped.Add($"'{consumer.Output}': no node of both models has this output");
                continue;
            }
            var layer = LinearLayer.TryCreate(node, out var reason);
            if (layer is not null && layer.Groups > 1) { layer = null; reason = "grouped Conv (refit per group not done; the BatchNormalization after it is re-estimated instead)"; }
            if (layer is not null && weightUses[layer.Weight.Name] > 1) { reason = $"its weight '{layer.Weight.Name}' is shared with other nodes"; layer = null; }
            if (layer is not null && consumer.KeptOutputs is { } kept && kept.Count != layer.Outputs)
                throw new EdgeOptException($"{node.DisplayName}: {kept.Count} kept outputs listed, but its weight has {layer.Outputs} (a bug; please report it)");
            if (layer is null) skipped.Add($"{node.DisplayName}: not refit: {reason}");
            fits.Add(new Fit { Index = fits.Count, Output = consumer.Output, Node = node, Layer = layer, KeptOutputs = consumer.KeptOutputs });
        }
        fits.Sort((a, b) => order[a.Node].CompareTo(order[b.Node]));
        foreach (var fit in fits) ResolveShortcut(pruned, originalOutputs, fit);
        return fits;
    }

    /// <summary>
    /// A consumer → BatchNormalization → Add(shortcut) block end: the refit also undoes the shortcut's error (the pruned
    /// stream differs from the original), so errors do not pile up along a residual stream block after block.
    /// </summary>
    private static void ResolveShortcut(Model pruned, HashSet<string> originalOutputs, Fit fit)
    {
        if (fit.Layer is not { Kind: LayerKind.Conv } layer || BatchNormAfter(pruned, fit.Output) is not { } bn) return;
        if (bn.Outputs[0] is not { Uses.Count: 1 } normalized || normalized.Uses[0].Node is not { OpType: "Add", IsOnnxDomain: true, Inputs.Count: 2 } add) return;
        if (add.Inputs[1 - normalized.Uses[0].Index] is not { IsInitializer: false } shortcut || !originalOutputs.Contains(shortcut.Name)) return;
        if (bn.Inputs.Count < 5 || bn.Inputs[1]?.Initializer is not { } scale || bn.Inputs[4]?.Initializer is not { } variance) return;
        var gamma = scale.ToSingleArray();
        var sigma2 = variance.ToSingleArray();
        if (gamma.Length != layer.Outputs || sigma2.Length != layer.Outputs) return;
        var epsilon = bn.Attributes.GetFloat("epsilon", 1e-5f);
        fit.ShortcutGain = gamma.Select((g, c) => MathF.Abs(g) < 1e-6f ? 0f : MathF.Sqrt(sigma2[c] + epsilon) / g).ToArray();
        fit.Shortcut = shortcut.Name;
    }

    private static HashSet<string> OutputNames(Graph graph) =>
        graph.Nodes.SelectMany(n => n.Outputs).Select(v => v.Name).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);

    private static void CaptureOriginal(Model original, List<Fit> fits, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples, CancellationToken cancellation)
    {
        foreach (var fit in fits) fit.Targets = new float[samples.Count][];
        var names = fits.Select(f => f.Output).ToList();
        var tails = fits.Where(f => f.Shortcut is not null).ToList();
        foreach (var tail in tails) tail.ShortcutOriginal = new float[samples.Count][];
        names.AddRange(tails.Select(t => t.Shortcut!));
        TensorCapture.Run(original, names, samples, (sample, tensor, shape, values) =>
        {
            if (tensor >= fits.Count)
            {
                var tail = tails[tensor - fits.Count];
                tail.ShortcutOriginal[sample] = SampledOutputRows(tail, shape, values, samples.Count, sample, tail.KeptOutputs);
                return;
            }
            var fit = fits[tensor];
            var channels = ChannelCount(fit, shape);
            fit.OriginalChannels = channels;
            (fit.OriginalStatistics ??= new ChannelStatistics(fit.KeptOutputs?.Count ?? channels)).Add(values, shape, fit.Node, fit.KeptOutputs);
            if (fit.Layer is null) return;
            fit.Targets[sample] = SampledOutputRows(fit, shape, values, samples.Count, sample, fit.KeptOutputs);
        }, cancellation);
    }

    private static void CapturePruned(Model pruned, List<Fit> fits, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples, CancellationToken cancellation,
        bool statisticsOnly = false)
    {
        // Tensor k < fits.Count: fit k's input; k ≥ fits.Count: fit k − fits.Count's output (error before the refit, statistics).
        var names = new List<string>();
        // Shortcuts first: a sample's shortcut is observed before the consumer inputs whose targets it corrects.
        var tails = statisticsOnly ? [] : fits.Where(f => f.Shortcut is not null && f.ShortcutOriginal.Length > 0).ToList();
        names.AddRange(tails.Select(t => t.Shortcut!));
        var tailCount = names.Count;
        if (!statisticsOnly)
            foreach (var fit in fits)
            {
                var layer = fit.Layer!;
                fit.Accumulator = new GramAccumulator(layer.Columns, layer.Outputs, withOnes: layer.Kind != LayerKind.MatMul);
                names.Add(layer.InputName);
            }
        var inputCount = names.Count - tailCount;
        names.AddRange(fits.Select(f => f.Output));
        // One sample's inputs wait for its outputs (the error before the refit is measured at the same positions).
        var pendingPositions = new int[fits.Count][];
        TensorCapture.Run(pruned, names, samples, (sample, tensor, shape, values) =>
        {
            if (tensor < tailCount)
            {
                var tail = tails[tensor];
                tail.ShortcutPruned = SampledOutputRows(tail, shape, values, samples.Count, sample, null);
                return;
            }
            tensor -= tailCount;
            if (tensor < inputCount)
            {
                var fit = fits[tensor];
                var layer = fit.Layer!;
                var geometry = layer.GeometryFor(shape);
                var positions = LayerInputStatistics.Positions(geometry.Positions, RowsPerSample(fit, samples.Count), fit.Index, sample);
                var kept = layer.Outputs;
                var targets = CorrectedTargets(fit, sample, positions.Length, kept);
                var row = new float[layer.Columns];
                var rows = new List<int>();
                for (var p = 0; p < positions.Length; p++)
                {
                    layer.Im2Col(values, geometry, positions[p], 0, row);
                    fit.Accumulator!.Add(row, targets.AsSpan(p * kept, kept));
                    if (fit.EvalInputs.Count / layer.Columns < EvaluationRows)
                    {
                        fit.EvalInputs.AddRange(row);
                        fit.EvalTargets.AddRange(targets.AsSpan(p * kept, kept).ToArray());
                        rows.Add(positions[p]);
                    }
                }
                pendingPositions[tensor] = [.. rows];
                return;
            }
            var index = tensor - inputCount;
            var f = fits[index];
            var channels = ChannelCount(f, shape);
            (f.PrunedStatistics ??= new ChannelStatistics(channels)).Add(values, shape, f.Node, null);
            if (statisticsOnly || pendingPositions[index] is not { Length: > 0 } evalPositions) return;
            var g = OutputGeometry(f.Layer!, shape);
            var buffer = new float[channels];
            foreach (var position in evalPositions)
            {
                f.Layer!.OutputRow(values, g, channels, position, null, buffer);
                f.EvalBefore.AddRange(buffer);
            }
            pendingPositions[index] = [];
        }, cancellation);
    }

    /// <summary>
    /// A tensor shaped like the consumer's output (the output itself, or a shortcut added to it) at the consumer's
    /// sampled positions, on the <paramref name="kept"/> channels (null: all); null when its channels do not match the layer's.
    /// </summary>
    private static float[]? SampledOutputRows(Fit fit, IReadOnlyList<long> shape, ReadOnlySpan<float> values, int samples, int sample, IReadOnlyList<int>? kept)
    {
        var layer = fit.Layer!;
        var geometry = OutputGeometry(layer, shape);
        var channels = ChannelCount(fit, shape);
        var count = kept?.Count ?? channels;
        if (count != layer.Outputs) return null;
        var positions = LayerInputStatistics.Positions(geometry.Positions, RowsPerSample(fit, samples), fit.Index, sample);
        var rows = new float[positions.Length * count];
        for (var p = 0; p < positions.Length; p++)
            layer.OutputRow(values, geometry, channels, positions[p], kept, rows.AsSpan(p * count, count));
        return rows;
    }

    /// <summary>The consumer's targets, moved by what the pruned shortcut misses of the original's (block ends only).</summary>
    private static float[] CorrectedTargets(Fit fit, int sample, int positions, int kept)
    {
        var targets = fit.Targets[sample]!;
        var original = fit.ShortcutOriginal.Length > sample ? fit.ShortcutOriginal[sample] : null;
        var pruned = fit.ShortcutPruned;
        fit.ShortcutPruned = null;
        if (fit.ShortcutGain is not { } gain || original is null || pruned is null || original.Length != positions * kept || pruned.Length != original.Length)
            return targets;
        var corrected = new float[targets.Length];
        for (var p = 0; p < positions; p++)
            for (var c = 0; c < kept; c++)
            {
                var i = (p * kept) + c;
                corrected[i] = targets[i] + ((original[i] - pruned[i]) * gain[c]);
            }
        return corrected;
    }

    private static int RowsPerSample(Fit fit, int samples) =>
        Math.Min(fit.MaxRowsPerSample, LayerInputStatistics.RowsPerSample(fit.Layer!.Columns + 1, samples));

    /// <summary>Channels of a consumer's output: dimension 1 of a Conv output, the last of a Gemm/MatMul output.</summary>
    private static int ChannelCount(Fit fit, IReadOnlyList<long> shape) =>
        fit.Node.OpType == "Conv" ? (int)shape[1] : (int)shape[^1];

    /// <summary>The output-position layout of a layer's output tensor (what <see cref="LinearLayer.OutputRow"/> reads).</summary>
    private static Geometry OutputGeometry(LinearLayer layer, IReadOnlyList<long> shape)
    {
        if (layer.Kind != LayerKind.Conv)
        {
            long rows = 1;
            for (var i = 0; i < shape.Count - 1; i++) rows *= shape[i];
            return new Geometry(checked((int)rows), 1, 1, 1, 1, 0, 0, 1, (int)shape[^1]);
        }
        var outH = shape.Count == 4 ? (int)shape[2] : 1;
        var outW = (int)shape[^1];
        return new Geometry((int)shape[0] * outH * outW, 0, 0, outH, outW, 0, 0, (int)shape[0], (int)shape[1]);
    }

    /// <summary>Solves the ridge normal equations for one consumer and writes the result when it lowers the error on the evaluation rows.</summary>
    private static (double Before, double After, bool Applied) Refit(Fit fit, LayerSparsifier? sparsify)
    {
        var layer = fit.Layer!;
        var accumulator = fit.Accumulator!;
        var d = accumulator.Columns;
        var outputs = layer.Outputs;
        var h = accumulator.Gram();
        var rhs = accumulator.Cross();
        fit.Accumulator = null;
        // What sparsifying needs of the inputs, taken before the ridge goes onto the diagonal.
        var gram = sparsify is null ? null : TopLeft(h, d, layer.Columns);
        var inputMean = sparsify is not null && accumulator.WithOnes && h[^1] > 0
            ? Enumerable.Range(0, layer.Columns).Select(j => h[(j * d) + layer.Columns] / h[^1]).ToArray()
            : null;

        var current = layer.ReadAll();
        var bias = layer.ReadBias();
        var mean = 0.0;
        for (var j = 0; j < layer.Columns; j++) mean += h[(j * d) + j];
        mean /= Math.Max(1, layer.Columns);
        var lambda = Math.Max(Ridge * mean, 1e-12);
        for (var j = 0; j < d; j++) h[(j * d) + j] += lambda;
        for (var o = 0; o < outputs; o++)
        {
            for (var j = 0; j < layer.Columns; j++) rhs[(o * d) + j] += lambda * current[(o * layer.Columns) + j];
            if (accumulator.WithOnes) rhs[(o * d) + layer.Columns] += lambda * bias[o];
        }
        if (!Cholesky.Factor(h, d))
            return sparsify is null ? (double.NaN, double.NaN, false) : RefitSparse(fit, sparsify, gram!, inputMean, current, bias, fitted: null);
        Cholesky.Solve(h, d, rhs, outputs);

        var fitted = new float[outputs * layer.Columns];
        var fittedBias = new float[outputs];
        for (var o = 0; o < outputs; o++)
        {
            for (var j = 0; j < layer.Columns; j++) fitted[(o * layer.Columns) + j] = (float)rhs[(o * d) + j];
            fittedBias[o] = accumulator.WithOnes ? (float)rhs[(o * d) + layer.Columns] : 0;
        }
        if (sparsify is not null) return RefitSparse(fit, sparsify, gram!, inputMean, current, bias, (fitted, fittedBias));
        var before = ErrorBefore(fit, current, bias);
        var after = RelativeError(fit, (fitted, fittedBias));
        if (!(after < before)) return (before, after, false);
        layer.WriteAll(fitted);
        if (accumulator.WithOnes) WriteBias(layer, fittedBias);
        return (before, after, true);
    }

    /// <summary>
    /// The sparse refit: ‖Y − ŴX‖² = ‖Y − W*X‖² + ‖(W* − Ŵ)X‖² for the least-squares refit W*, so making W* sparse with
    /// the second-order update (which minimises the second term) is the best sparse fit to the original's outputs this
    /// view gives (it beat the current weights made sparse the same way on every ResNet18 layer, so those are only the
    /// fallback when there is no refit or it cannot be made sparse). The bias takes back what the removed weights
    /// contributed on average (b += (W − Ŵ) x̄), which the update cannot move. Always written when sparsifying worked.
    /// </summary>
    private static (double Before, double After, bool Applied) RefitSparse(Fit fit, LayerSparsifier sparsify, double[] gram, double[]? inputMean,
        float[] current, float[] bias, (float[] Weights, float[] Bias)? fitted)
    {
        var layer = fit.Layer!;
        var before = ErrorBefore(fit, current, bias);
        foreach (var (dense, denseBias) in fitted is { } f ? new[] { f, (current, bias) } : [(current, bias)])
        {
            var sparse = (float[])dense.Clone();
            if (!sparsify(layer, sparse, (double[])gram.Clone())) continue;
            var sparseBias = (float[])denseBias.Clone();
            if (inputMean is not null)
                for (var o = 0; o < layer.Outputs; o++)
                {
                    var shift = 0.0;
                    for (var j = 0; j < layer.Columns; j++) shift += (dense[(o * layer.Columns) + j] - sparse[(o * layer.Columns) + j]) * inputMean[j];
                    sparseBias[o] += (float)shift;
                }
            var after = RelativeError(fit, (sparse, sparseBias));
            layer.WriteAll(sparse);
            if (inputMean is not null) WriteBias(layer, sparseBias);
            return (before, after, true);
        }
        return (before, double.NaN, false);
    }

    /// <summary>The error before the refit: the model's own outputs when every evaluation row has one (a consumer fed by a graph input has not).</summary>
    private static double ErrorBefore(Fit fit, float[] current, float[] bias) =>
        RelativeError(fit, fit.EvalBefore.Count == fit.EvalTargets.Count ? null : (current, bias));

    private static double[] TopLeft(double[] h, int d, int n)
    {
        var block = new double[n * n];
        for (var i = 0; i < n; i++) Array.Copy(h, i * d, block, i * n, n);
        return block;
    }

    /// <summary>‖Ŷ − Y‖ / ‖Y‖ on the evaluation rows; Ŷ the pruned model's own outputs (null weights) or X Wᵀ + b.</summary>
    private static double RelativeError(Fit fit, (float[] Weights, float[] Bias)? weights)
    {
        var layer = fit.Layer!;
        var columns = layer.Columns;
        var outputs = layer.Outputs;
        var x = CollectionsMarshal.AsSpan(fit.EvalInputs);
        var y = CollectionsMarshal.AsSpan(fit.EvalTargets);
        var rows = x.Length / columns;
        double error = 0, norm = 0;
        for (var r = 0; r < rows; r++)
            for (var o = 0; o < outputs; o++)
            {
                double predicted;
                if (weights is { } w)
                {
                    predicted = w.Bias[o];
                    var wo = w.Weights.AsSpan(o * columns, columns);
                    var xr = x.Slice(r * columns, columns);
                    for (var j = 0; j < columns; j++) predicted += wo[j] * xr[j];
                }
                else predicted = fit.EvalBefore[(r * outputs) + o];
                var target = y[(r * outputs) + o];
                error += (predicted - target) * (predicted - target);
                norm += target * (double)target;
            }
        return norm == 0 ? 0 : Math.Sqrt(error / norm);
    }

    private static void WriteBias(LinearLayer layer, float[] bias)
    {
        if (layer.Bias is { Initializer: not null } existing)
        {
            LinearLayer.Replace(existing, bias);
            return;
        }
        var bytes = MemoryMarshal.AsBytes(bias.AsSpan()).ToArray();
        var graph = layer.Node.Graph!;
        var name = layer.Weight.Name + "_reconstructed_bias";
        for (var k = 2; graph.Initializers.TryGet(name, out _) || graph.Values().Any(v => v.Name == name); k++) name = $"{layer.Weight.Name}_reconstructed_bias_{k}";
        var value = graph.Initializers.Add(Tensor.FromRaw(name, DataType.Float, [bias.Length], bytes));
        layer.Node.AddInput(value);
    }

    /// <summary>The BatchNormalization that alone reads <paramref name="output"/>, if any.</summary>
    private static Node? BatchNormAfter(Model model, string output)
    {
        var value = model.Graph.Nodes.SelectMany(n => n.Outputs).FirstOrDefault(v => v.Name == output);
        return value is { Uses.Count: 1 } && value.Uses[0].Node is { OpType: "BatchNormalization", IsOnnxDomain: true } bn && value.Uses[0].Index == 0 ? bn : null;
    }
}
