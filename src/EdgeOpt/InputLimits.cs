namespace EdgeOpt;

/// <summary>
/// Ceilings on what an input file may make EdgeOpt allocate, checked before the allocation: a hostile or broken file
/// (dims of 2^40, a million empty tensors, JSON nested ten thousand deep) is refused in one line that names the file,
/// the figure and the limit by this class's member name, instead of running the process out of memory. Each is far
/// above any real model (docs/architecture.md, "Safety limits").
/// </summary>
internal static class InputLimits
{
    /// <summary>Elements of one tensor (its dims' product): 2^32, twice what a 2 GiB payload of one-byte values holds.</summary>
    public const long MaxTensorElements = 1L << 32;

    /// <summary>Tensors in one model file (initializers, attribute tensors, sparse parts): each costs an object even when empty.</summary>
    public const int MaxTensorCount = 1_000_000;

    /// <summary>External data one model may reference in all (sum of its tensors' lengths): 64 GiB.</summary>
    public const long MaxExternalDataBytes = 64L << 30;

    /// <summary>Strings in one string tensor: each becomes an array of its own, so a file of empty strings would cost ~30× its size.</summary>
    public const int MaxStringTensorElements = 1 << 24;

    /// <summary>Bytes of all strings of one string tensor: 64 MiB (a 250,000-word vocabulary is a few MiB).</summary>
    public const long MaxStringTensorBytes = 64L << 20;

    /// <summary>Elements of one generated input (random benchmark/calibration data sized from the model's input dims): 2^28 (1 GiB of floats).</summary>
    public const long MaxGeneratedInputElements = 1L << 28;

    /// <summary>Size of a JSON file EdgeOpt reads (manifest, quantization plan, device or deploy config, output marker): 64 MiB.</summary>
    public const long MaxJsonBytes = 64L << 20;

    /// <summary>Nesting of those JSON files: 64 levels (System.Text.Json's own default, made explicit so the error names it).</summary>
    public const int MaxJsonDepth = 64;
}
