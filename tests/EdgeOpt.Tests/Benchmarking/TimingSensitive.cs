namespace EdgeOpt.Tests.Benchmarking;

/// <summary>Tests that measure time or process memory: xunit runs this collection alone, not beside other classes.</summary>
[CollectionDefinition(nameof(TimingSensitive), DisableParallelization = true)]
public sealed class TimingSensitive;
