namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Makes one layer's refit weights sparse inside <see cref="ChannelReconstruction"/>: <paramref name="weights"/>
/// (outputs × columns, the layer's layout) in place, given the Gram matrix <paramref name="gram"/> (columns × columns,
/// consumed) of the layer's inputs on the pruned model. False when it cannot (weights untouched).
/// </summary>
internal delegate bool LayerSparsifier(LinearLayer layer, float[] weights, double[] gram);
