using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Unstructured and N:M pruning of Conv/Gemm/MatMul weights, with the optional second-order update. Weights stay
/// dense float tensors with zeros (ONNX Runtime densifies sparse initializers anyway).
/// <list type="bullet">
/// <item>Free sparsity: the lowest-ranked weights of each layer (per layer), or those under one |w| threshold across
/// all layers (global; Wanda scores are not comparable between layers, so the threshold is on |w| and only sets each
/// layer's share, which its own score then picks).</item>
/// <item>N:M: at most N non-zeros in every run of M weights along the reduction dimension: Gemm/MatMul along K; Conv
/// along the input channels, M consecutive channels at each output channel and kernel position, as NVIDIA's ASP and
/// the sparse tensor cores read an implicit-GEMM convolution (the last run of a group whose channel count M does not
/// divide is treated as zero-padded: N of its weights stay).</item>
/// <item>Second-order update (<see cref="SparseGpt"/>): under an N:M pattern, ungrouped layers are refit to the
/// original's outputs and made sparse one at a time in graph order on the model pruned so far (<see cref="RefitSparse"/>);
/// the others (free sparsity, grouped layers) are pruned in a few stages, each calibrated on inputs of the model pruned
/// so far, so later layers also absorb the error of earlier ones.</item>
/// <item>2:4 (NVIDIA's sparse tensor cores) skips layers with input channels not a multiple of 16 or outputs not a
/// multiple of 8, as NVIDIA's ASP and ModelOpt do: the hardware cannot use them (a first Conv on RGB, a 10-class head).</item>
/// </list>
/// </summary>
internal static class UnstructuredPruning
{
    /// <summary>At most this many ORT passes for the staged second-order update (each covers a slice of the layers in graph order).</summary>
    public const int Stages = 4;

    /// <summary>Prunes <paramref name="work"/> (a copy of <paramref name="original"/>) in place.</summary>
    public static PruningOutcome Run(Model original, Model work, PruningOptions options, IReadOnlyList<IReadOnlyDictionary<string, Tensor>>? samples,
        IProgress<PruningProgress>? progress, CancellationToken cancellation)
    {
        var warnings = new List<string>();
        var layers = SelectLayers(work, options, warnings);
        if (layers.Count == 0)
            ThrowHelper.Usage($"model '{original.Graph.Name}' has no Conv, Gemm or MatMul with a float initializer weight to prune{(warnings.Count > 0 ? $" ({warnings[0]})" : "")}");

        var zeros = ZeroCounts(layers, options);
        var needStatistics = options.SecondOrderUpdate || options.Score == SparsityScore.Wanda;
        if (needStatistics && samples is not { Count: > 0 })
            ThrowHelper.Usage("the second-order update and Wanda need calibration data; none was given");

        var rows = new LayerSparsity?[layers.Count];
        var done = 0;
        // N:M only: for free sparsity the refit measured no better than staged SparseGPT (ResNet18 50 %: 0.9723 vs 0.9735) at 5× the time.
        if (options.SecondOrderUpdate && options.Pattern is not null) done = RefitSparse(original, work, layers, zeros, rows, options, samples!, progress, cancellation);

        // Layers the refit did not take (grouped Convs, degenerate inputs), or all of them without the update: staged.
        var left = Enumerable.Range(0, layers.Count).Where(i => rows[i] is null).ToList();
        var stages = needStatistics ? Math.Min(Stages, left.Count) : Math.Min(1, left.Count);
        for (var stage = 0; stage < stages; stage++)
        {
            var slice = left.Skip(stage * left.Count / stages).Take(((stage + 1) * left.Count / stages) - (stage * left.Count / stages)).ToList();
            GramAccumulator[][]? statistics = null;
            if (needStatistics)
            {
                progress?.Report(new PruningProgress("scoring", done, layers.Count));
                statistics = LayerInputStatistics.Collect(work, slice.Select(i => layers[i]).ToList(), slice, samples!, options.SecondOrderUpdate, cancellation);
            }
            for (var k = 0; k < slice.Count; k++)
            {
                cancellation.ThrowIfCancellationRequested();
                var i = slice[k];
                progress?.Report(new PruningProgress("pruning", done, layers.Count));
                rows[i] = PruneLayer(layers[i], zeros[i], options, statistics?[k], warnings, cancellation);
                done++;
            }
        }
        return new PruningOutcome { Layers = rows.Select(r => r!).ToList(), Warnings = warnings };
    }

    /// <summary>
    /// The second-order update for ungrouped layers, in graph order on the model pruned so far (one ORT pass each):
    /// each layer is first refit by least squares to reproduce the original's outputs from the pruned model's inputs
    /// (<see cref="ChannelReconstruction"/>, which also undoes a residual shortcut's error at block ends), then made
    /// sparse with SparseGPT on the same inputs' Gram matrix. Matching the original's outputs rather than the layer's
    /// own dense outputs on already-pruned inputs is what keeps errors from piling up layer after layer (ResNet18, 2:4,
    /// held-out mean cosine 0.938, 0.922 with four stages of plain SparseGPT). Returns how many layers it pruned.
    /// </summary>
    private static int RefitSparse(Model original, Model work, List<LinearLayer> layers, long?[] zeros, LayerSparsity?[] rows, PruningOptions options,
        IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples, IProgress<PruningProgress>? progress, CancellationToken cancellation)
    {
        var index = Enumerable.Range(0, layers.Count).Where(i => layers[i].Groups == 1 && layers[i].Node.Outputs.Count > 0)
            .ToDictionary(i => layers[i].Node.Outputs[0].Name, StringComparer.Ordinal);
        if (index.Count == 0) return 0;
        var consumers = index.Select(p => new PrunedConsumer(p.Key, Enumerable.Range(0, layers[p.Value].GroupInputs).ToList(), null)).ToList();
        var sparse = new HashSet<int>();
        bool Sparsify(LinearLayer layer, float[] weights, double[] gram)
        {
            var i = index[layer.Node.Outputs[0].Name];
            if (!UnstructuredPruning.Sparsify(layer, weights, gram, zeros[i], options, cancellation)) return false;
            sparse.Add(i);
            return true;
        }
        // A layer whose inputs are degenerate is left to the staged pass, which says so.
        ChannelReconstruction.Apply(original, work, consumers, samples, progress, cancellation, Sparsify, LayerInputStatistics.MaxRowsPerSample);
        foreach (var i in sparse)
        {
            var weights = layers[i].ReadAll();
            rows[i] = new LayerSparsity(layers[i].Node.DisplayName, layers[i].Weight.Name, weights.LongLength, weights.LongCount(v => v == 0), Updated: true);
        }
        return sparse.Count;
    }

    private static List<LinearLayer> SelectLayers(Model work, PruningOptions options, List<string> warnings)
    {
        var excluded = options.ExcludedNodes.ToHashSet(StringComparer.Ordinal);
        var weightUses = work.Graph.Nodes.SelectMany(n => n.Inputs).Where(v => v is { IsInitializer: true })
            .GroupBy(v => v!.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var layers = new List<LinearLayer>();
        foreach (var node in work.Graph.TopologicalOrder())
        {
            if (!node.IsOnnxDomain || node.OpType is not ("Conv" or "Gemm" or "MatMul")) continue;
            if (excluded.Contains(node.Name) || (node.Outputs.Count > 0 && excluded.Contains(node.Outputs[0].Name))) continue;
            if (LinearLayer.TryCreate(node, out var reason) is not { } layer)
            {
                // A MatMul of two activations (attention scores) has no weight: nothing to say about it.
                if (node.Inputs.Count > 1 && node.Inputs[1] is { IsInitializer: true })
                    warnings.Add($"{node.DisplayName} left dense: {reason}");
                continue;
            }
            if (weightUses[layer.Weight.Name] > 1) { warnings.Add($"{node.DisplayName} left dense: its weight '{layer.Weight.Name}' is shared with other nodes"); continue; }
            if (layer.Kind == LayerKind.Conv && layer.Groups > 1 && layer.GroupInputs == 1)
            { warnings.Add($"{node.DisplayName} left dense: depthwise Conv (one input channel per filter; pruning it saves little and hurts much)"); continue; }
            if (options.Pattern is { } p && layer.GroupInputs < p.M && layer.Kind != LayerKind.Conv)
            { warnings.Add($"{node.DisplayName} left dense: K = {layer.GroupInputs} is shorter than one {p} run"); continue; }
            if (options.Pattern == SparsityPattern.TwoFour && (layer.GroupInputs % 16 != 0 || layer.GroupOutputs % 8 != 0))
            {
                warnings.Add($"{node.DisplayName} left dense: {layer.GroupInputs} input channels and {layer.GroupOutputs} outputs; sparse tensor cores need multiples of 16 and 8 (NVIDIA ASP's rule), so 2:4 here costs accuracy for no speed-up");
                continue;
            }
            layers.Add(layer);
        }
        return layers;
    }

    /// <summary>Weights to zero per layer for free sparsity (null entries: N:M, decided per run).</summary>
    private static long?[] ZeroCounts(List<LinearLayer> layers, PruningOptions options)
    {
        var counts = new long?[layers.Count];
        if (options.Pattern is not null) return counts;
        var sparsity = options.Sparsity!.Value;
        if (options.Scope == SparsityScope.PerLayer)
        {
            for (var i = 0; i < layers.Count; i++) counts[i] = (long)Math.Round(sparsity * Elements(layers[i]));
            return counts;
        }
        // Global: one |w| threshold; each layer's count is how many of its weights fall under it.
        var all = layers.SelectMany(l => l.ReadAll().Select(MathF.Abs)).ToArray();
        var cut = (int)Math.Round(sparsity * all.Length);
        Array.Sort(all);
        var threshold = cut == 0 ? float.NegativeInfinity : all[cut - 1];
        var belowThreshold = cut == 0 ? 0 : cut - Array.FindIndex(all, v => v == threshold) ;
        // Ties at the threshold go to the first layers until the total is exact.
        var tiesLeft = (long)belowThreshold;
        for (var i = 0; i < layers.Count; i++)
        {
            var w = layers[i].ReadAll();
            long below = 0, equal = 0;
            foreach (var v in w) { var a = MathF.Abs(v); if (a < threshold) below++; else if (a == threshold) equal++; }
            var take = Math.Min(equal, tiesLeft);
            tiesLeft -= take;
            counts[i] = below + take;
        }
        return counts;
    }

    private static long Elements(LinearLayer layer) => (long)layer.Outputs * layer.Columns;

    private static LayerSparsity PruneLayer(LinearLayer layer, long? zeros, PruningOptions options, GramAccumulator[]? statistics,
        List<string> warnings, CancellationToken cancellation)
    {
        var weights = layer.ReadAll();
        var order = ColumnOrder(layer, options.Pattern);
        var runs = options.Pattern is { } pattern ? Runs(layer, pattern.M) : null;
        var updated = false;
        if (options.SecondOrderUpdate && statistics is not null)
        {
            long assigned = 0;
            updated = true;
            for (var g = 0; g < layer.Groups; g++)
            {
                var target = zeros is { } z ? (long)Math.Round((double)z * (g + 1) / layer.Groups) : 0;
                var groupZeros = target - assigned;
                assigned = target;
                if (!UpdateGroup(layer, weights, g, statistics[g].Gram(), groupZeros, options, order, runs, cancellation))
                {
                    warnings.Add($"{layer.Node.DisplayName}: its calibration inputs are degenerate (Hessian not positive definite); pruned by score without the update");
                    updated = false;
                    MaskByScore(layer, weights, zeros, options, statistics, order, runs, g);
                }
            }
        }
        else MaskByScore(layer, weights, zeros, options, statistics, order, runs, group: null);

        layer.WriteAll(weights);
        var zeroCount = weights.LongCount(v => v == 0);
        return new LayerSparsity(layer.Node.DisplayName, layer.Weight.Name, weights.LongLength, zeroCount, updated);
    }

    /// <summary>
    /// Prunes the weights of an ungrouped layer in place with the second-order update, given the Gram matrix
    /// <paramref name="h"/> (columns × columns, consumed) of its inputs; <paramref name="zeros"/> as
    /// <see cref="ZeroCounts"/> gives it (null under a pattern). False when H cannot be factored (weights untouched).
    /// </summary>
    public static bool Sparsify(LinearLayer layer, float[] weights, double[] h, long? zeros, PruningOptions options, CancellationToken cancellation) =>
        UpdateGroup(layer, weights, 0, h, zeros ?? 0, options, ColumnOrder(layer, options.Pattern),
            options.Pattern is { } pattern ? Runs(layer, pattern.M) : null, cancellation);

    /// <summary>SparseGPT on group <paramref name="g"/> of <paramref name="weights"/>, in the N:M column order; false when H cannot be factored.</summary>
    private static bool UpdateGroup(LinearLayer layer, float[] weights, int g, double[] gram, long groupZeros, PruningOptions options, int[] order,
        IReadOnlyList<(int Start, int Length)>? runs, CancellationToken cancellation)
    {
        var columns = layer.Columns;
        var groupRows = layer.GroupOutputs;
        var groupSize = groupRows * columns;
        var h = Permute(gram, columns, order);
        var w = new double[groupSize];
        for (var r = 0; r < groupRows; r++)
            for (var c = 0; c < columns; c++) w[(r * columns) + c] = weights[(g * groupSize) + (r * columns) + order[c]];
        var saliency = options.Score == SparsityScore.Wanda ? SparseGpt.Saliency.Wanda : SparseGpt.Saliency.Obs;
        if (!SparseGpt.Prune(w, groupRows, columns, h, saliency, groupZeros, options.Pattern, runs, cancellation)) return false;
        for (var r = 0; r < groupRows; r++)
            for (var c = 0; c < columns; c++) weights[(g * groupSize) + (r * columns) + order[c]] = (float)w[(r * columns) + c];
        return true;
    }

    /// <summary>Zeroes by |w| or Wanda's |w|·‖x‖, without any update: the whole layer (group null) or one group.</summary>
    private static void MaskByScore(LinearLayer layer, float[] weights, long? zeros, PruningOptions options, GramAccumulator[]? statistics,
        int[] order, IReadOnlyList<(int Start, int Length)>? runs, int? group)
    {
        var columns = layer.Columns;
        var groupSize = layer.GroupOutputs * columns;
        var norms = options.Score == SparsityScore.Wanda && statistics is not null
            ? statistics.Select(s => s.SumOfSquares().Select(Math.Sqrt).ToArray()).ToArray()
            : null;
        double Score(int index)
        {
            var g = index / groupSize;
            var c = index % columns;
            return Math.Abs(weights[index]) * (norms?[g][c] ?? 1.0);
        }
        var first = group is { } only ? only * groupSize : 0;
        var count = group is null ? weights.Length : groupSize;
        if (runs is null)
        {
            var target = group is null ? zeros!.Value : (long)Math.Round((double)zeros!.Value / layer.Groups);
            var scores = new double[count];
            var index = new int[count];
            for (var k = 0; k < count; k++) { scores[k] = Score(first + k); index[k] = first + k; }
            Array.Sort(scores, index);
            for (var k = 0; k < Math.Min(target, count); k++) weights[index[k]] = 0;
            return;
        }
        var keep = options.Pattern!.Value.N;
        Span<double> runScores = stackalloc double[64];
        Span<bool> mask = stackalloc bool[64];
        for (var row = first / columns; row < (first + count) / columns; row++)
            foreach (var (start, length) in runs)
            {
                for (var k = 0; k < length; k++) runScores[k] = Score((row * columns) + order[start + k]);
                mask[..length].Clear();
                SparseGpt.MarkAllButHighest(runScores[..length], keep, mask[..length]);
                for (var k = 0; k < length; k++)
                    if (mask[k]) weights[(row * columns) + order[start + k]] = 0;
            }
    }

    /// <summary>
    /// The order SparseGPT and the N:M runs visit a group's columns in: for a Conv under a pattern, kernel position
    /// major and input channel minor, so each run of M input channels at one kernel position is M consecutive columns.
    /// </summary>
    private static int[] ColumnOrder(LinearLayer layer, SparsityPattern? pattern)
    {
        var order = new int[layer.Columns];
        var kernel = layer.KernelSize;
        for (var j = 0; j < order.Length; j++)
            order[j] = pattern is null || kernel == 1 ? j : ((j % layer.GroupInputs) * kernel) + (j / layer.GroupInputs);
        return order;
    }

    /// <summary>The N:M runs in <see cref="ColumnOrder"/>: M consecutive input channels (or K features) at each kernel position.</summary>
    private static List<(int Start, int Length)> Runs(LinearLayer layer, int m)
    {
        var runs = new List<(int, int)>();
        for (var k = 0; k < layer.KernelSize; k++)
            for (var c = 0; c < layer.GroupInputs; c += m) runs.Add(((k * layer.GroupInputs) + c, Math.Min(m, layer.GroupInputs - c)));
        return runs;
    }

    private static double[] Permute(double[] h, int n, int[] order)
    {
        var result = new double[h.Length];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++) result[(i * n) + j] = h[(order[i] * n) + order[j]];
        return result;
    }
}
