using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>Per-channel mean and variance of a tensor over every position of every sample, in double.</summary>
internal sealed class ChannelStatistics(int channels)
{
    private readonly double[] _sum = new double[channels];
    private readonly double[] _squares = new double[channels];
    private long _count;

    public int Channels => _sum.Length;

    /// <summary>
    /// Adds one sample; the channel axis is 1 for Conv outputs and the last one otherwise. Only
    /// <paramref name="kept"/> channels are gathered when given (in that order).
    /// </summary>
    public void Add(ReadOnlySpan<float> values, IReadOnlyList<long> shape, Node producer, IReadOnlyList<int>? kept)
    {
        var channelsLast = producer.OpType != "Conv";
        var all = (int)(channelsLast ? shape[^1] : shape[1]);
        long outer = 1, inner = 1;
        if (channelsLast) for (var i = 0; i < shape.Count - 1; i++) outer *= shape[i];
        else
        {
            outer = shape[0];
            for (var i = 2; i < shape.Count; i++) inner *= shape[i];
        }
        for (var k = 0; k < Channels; k++)
        {
            var c = kept?[k] ?? k;
            if (c >= all) continue;
            double sum = 0, squares = 0;
            for (long o = 0; o < outer; o++)
            {
                if (channelsLast) { double v = values[(int)((o * all) + c)]; sum += v; squares += v * v; }
                else
                    foreach (var v in values.Slice((int)(((o * all) + c) * inner), (int)inner)) { sum += v; squares += (double)v * v; }
            }
            _sum[k] += sum;
            _squares[k] += squares;
        }
        _count += outer * inner;
    }

    public double Mean(int channel) => _count == 0 ? 0 : _sum[channel] / _count;

    public double Variance(int channel) => _count == 0 ? 0 : Math.Max(0, (_squares[channel] / _count) - (Mean(channel) * Mean(channel)));
}

/// <summary>
/// Re-estimates a BatchNormalization's statistics after its input changed: the new mean m′ and variance v′ make the
/// normalised pruned input have, per channel, the same mean and spread on the data as the normalised original input
/// had (so calibration data that differs from the training set is not mistaken for a change):
/// σ′ = σ·s_p/s_o and m′ = μ_p − (μ_o − m)·σ′/σ, where σ = √(v + ε), μ/s the data mean and deviation of the input.
/// </summary>
internal static class BatchNormRecalibration
{
    /// <summary>
    /// Corrects <paramref name="batchNorm"/> in place given its input statistics in the original (on the channels it
    /// kept) and the pruned model. False when its mean/variance are not float initializers of its own.
    /// </summary>
    public static bool Correct(Node batchNorm, ChannelStatistics original, ChannelStatistics pruned, IReadOnlyList<int>? kept)
    {
        if (batchNorm.Inputs.Count < 5 || batchNorm.Inputs[3] is not { Initializer: { DataType: DataType.Float } meanTensor } meanValue
            || batchNorm.Inputs[4] is not { Initializer: { DataType: DataType.Float } varianceTensor } varianceValue
            || meanValue.Uses.Count != 1 || varianceValue.Uses.Count != 1) return false;
        var epsilon = batchNorm.Attributes["epsilon"]?.AsFloat() ?? 1e-5f;
        var mean = meanTensor.ToSingleArray();
        var variance = varianceTensor.ToSingleArray();
        if (mean.Length != pruned.Channels || original.Channels != pruned.Channels) return false;
        for (var c = 0; c < mean.Length; c++)
        {
            var so = Math.Sqrt(original.Variance(c));
            var sp = Math.Sqrt(pruned.Variance(c));
            if (so < 1e-12 || sp < 1e-12) continue;
            var sigma = Math.Sqrt(variance[c] + epsilon);
            var corrected = sigma * sp / so;
            mean[c] = (float)(pruned.Mean(c) - ((original.Mean(c) - mean[c]) * corrected / sigma));
            variance[c] = (float)Math.Max((corrected * corrected) - epsilon, 1e-12);
        }
        LinearLayer.Replace(meanValue, mean);
        LinearLayer.Replace(varianceValue, variance);
        GC.KeepAlive(kept);
        return true;
    }
}
