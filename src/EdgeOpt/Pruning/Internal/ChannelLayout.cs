namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// A run of positions along a tensor axis that belongs to one channel space (<see cref="Atom"/>): channel c of the
/// atom occupies positions <c>offset + c·Inner … offset + c·Inner + Inner − 1</c> (Inner &gt; 1 after Flatten/Reshape
/// folds spatial positions behind the channel, or after a depthwise Conv with a depth multiplier).
/// </summary>
internal readonly record struct Segment(int Atom, int Count, int Inner)
{
    public int Positions => Count * Inner;
}

/// <summary>
/// Where pruned channels sit in a tensor: one axis, counted from the end so broadcasting keeps it, made of segments
/// laid end to end (several after a Concat).
/// </summary>
internal sealed record ChannelLayout(int Axis, IReadOnlyList<Segment> Segments)
{
    public static ChannelLayout Single(int axis, int atom, int count) => new(axis, [new Segment(atom, count, 1)]);

    public int Positions => Segments.Sum(s => s.Positions);

    public ChannelLayout WithAxis(int axis) => this with { Axis = axis };

    public ChannelLayout Scaled(int factor) => new(Axis, Segments.Select(s => s with { Inner = s.Inner * factor }).ToList());

    public IEnumerable<int> Atoms => Segments.Select(s => s.Atom);

    public bool SameShapeAs(ChannelLayout other) =>
        Axis == other.Axis && Segments.Count == other.Segments.Count
        && Segments.Zip(other.Segments).All(p => p.First.Count == p.Second.Count && p.First.Inner == p.Second.Inner);

    /// <summary>The positions kept when each atom keeps <paramref name="kept"/>(atom) (null: all), ascending.</summary>
    public int[] KeptPositions(Func<int, IReadOnlyList<int>?> kept)
    {
        var result = new List<int>(Positions);
        var offset = 0;
        foreach (var s in Segments)
        {
            var channels = kept(s.Atom);
            if (channels is null)
                for (var p = 0; p < s.Positions; p++) result.Add(offset + p);
            else
                foreach (var c in channels)
                    for (var j = 0; j < s.Inner; j++) result.Add(offset + c * s.Inner + j);
            offset += s.Positions;
        }
        return [.. result];
    }

    /// <summary>Positions left when each atom keeps <paramref name="keptCount"/>(atom) channels.</summary>
    public int KeptCount(Func<int, int> keptCount) => Segments.Sum(s => keptCount(s.Atom) * s.Inner);
}
