using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Runtime.Benchmarking;

/// <summary>
/// The inputs one model is fed during a benchmark: a few prepared feeds (ORT values made before timing starts) that
/// are cycled. Every shape is settled and checked here, so a bad <c>--shape</c> or unfitting data fails before any
/// session is created, naming the input and what was expected.
/// </summary>
internal sealed class BenchmarkInputs : IDisposable
{
    private readonly List<OrtValue[]> _feeds;

    private BenchmarkInputs(string[] names, List<OrtValue[]> feeds, string description)
    {
        Names = names;
        _feeds = feeds;
        Description = description;
    }

    public string[] Names { get; }

    public string Description { get; }

    /// <summary>Feed for run <paramref name="index"/> (cycles through the prepared ones).</summary>
    public OrtValue[] Feed(int index) => _feeds[index % _feeds.Count];

    /// <summary>Prepares inputs for <paramref name="model"/> (loaded from <paramref name="path"/>).</summary>
    /// <exception cref="UsageException">A <see cref="BenchmarkOptions.Shapes"/> entry names no input of the model.</exception>
    public static BenchmarkInputs Create(Model model, string path, BenchmarkOptions options)
    {
        var inputs = model.Graph.Inputs.Where(v => !v.IsInitializer).ToList();
        foreach (var name in options.Shapes.Keys)
            if (!inputs.Any(v => v.Name == name))
                throw new UsageException($"--shape {name}=...: {path} has no input '{name}' (inputs: {string.Join(", ", inputs.Select(v => v.Name))})");
        var tensors = options.Data is { } spec ? FromData(spec, model, path, inputs, options) : Generated(model, path, inputs, options);
        var names = inputs.Select(v => v.Name).ToArray();
        var feeds = new List<OrtValue[]>(tensors.Count);
        try
        {
            foreach (var sample in tensors)
            {
                var feed = new OrtValue[names.Length];
                feeds.Add(feed);
                for (var i = 0; i < names.Length; i++) feed[i] = OrtTensors.ToOrtValue(sample[names[i]]);
            }
        }
        catch
        {
            foreach (var value in feeds.SelectMany(f => f)) value?.Dispose();
            throw;
        }
        var description = options.Data is null
            ? $"generated from input metadata ({InputGenerator.Distribution}; seed 0)"
            : $"{options.Data} ({feeds.Count} feed{(feeds.Count == 1 ? "" : "s")} of batch {options.Batch}, cycled)";
        return new BenchmarkInputs(names, feeds, description);
    }

    public void Dispose()
    {
        foreach (var value in _feeds.SelectMany(f => f)) value?.Dispose();
        _feeds.Clear();
    }

    // Settles every input's shape, then lets InputGenerator fill it: the model here is our private copy, so
    // pinning its input types changes nothing on disk.
    private static List<IReadOnlyDictionary<string, Tensor>> Generated(Model model, string path, List<Value> inputs, BenchmarkOptions options)
    {
        foreach (var input in inputs)
        {
            if (input.Type is not TensorType { Shape: { } shape } type)
                throw new UsageException($"{path}: input '{input.Name}' has no tensor type of known rank; benchmark cannot generate it (give --data)");
            var dims = Settle(path, input.Name, shape, options);
            input.Type = new TensorType(type.ElementType, TensorShape.FromDims(dims));
        }
        return [InputGenerator.Random(model, seed: 0)];
    }

    /// <summary>The concrete dims of one input: from <see cref="BenchmarkOptions.Shapes"/>, else fixed dims with a free leading dim = batch.</summary>
    private static long[] Settle(string path, string input, TensorShape shape, BenchmarkOptions options)
    {
        var expected = Describe(shape);
        if (options.Shapes.TryGetValue(input, out var given))
        {
            var text = string.Join("x", given);
            if (given.Length != shape.Rank)
                throw new UsageException($"--shape {input}={text}: {path} input '{input}' has rank {shape.Rank} ({expected}), not {given.Length}");
            for (var i = 0; i < given.Length; i++)
            {
                if (given[i] <= 0) throw new UsageException($"--shape {input}={text}: dim {i} must be positive");
                if (shape[i].Value is { } fixedSize && fixedSize != given[i])
                    throw new UsageException($"--shape {input}={text}: {path} input '{input}' is {expected}; dim {i} is fixed at {fixedSize}, not {given[i]}");
            }
            if (options.Batch > 1 && given[0] != options.Batch)
                throw new UsageException($"--shape {input}={text}: the leading dim {given[0]} disagrees with --batch {options.Batch}");
            return given;
        }
        var dims = new long[shape.Rank];
        for (var i = 0; i < shape.Rank; i++)
        {
            if (shape[i].Value is { } size)
            {
                if (i == 0 && options.Batch > 1 && size != options.Batch)
                    throw new UsageException(
                        $"{path}: input '{input}' is {expected} with a fixed batch dim of {size}; --batch {options.Batch} needs a free leading dim (export with a dynamic batch)");
                dims[i] = size;
            }
            else if (i == 0)
            {
                dims[i] = options.Batch;
            }
            else
            {
                var name = shape[i].Symbol is { } symbol ? $"'{symbol}'" : "unknown";
                throw new UsageException(
                    $"{path}: input '{input}' is {expected}; its dim {i} is {name}, so give its full shape with --shape {input}={string.Join("x", shape.Select((d, j) => j == 0 ? options.Batch.ToString(CultureInfo.InvariantCulture) : d.Value?.ToString(CultureInfo.InvariantCulture) ?? "N"))}");
            }
        }
        return dims;
    }

    private static List<IReadOnlyDictionary<string, Tensor>> FromData(string spec, Model model, string path, List<Value> inputs, BenchmarkOptions options)
    {
        var source = SampleSources.Open(spec, model);
        try
        {
            source.CheckFits(model);
        }
        catch (UsageException e)
        {
            throw new UsageException($"{path}: {e.Message}", e);
        }
        var batch = options.Batch;
        var feeds = Math.Max(1, Math.Min(options.MaxDataSamples, source.Count / batch));
        if (source.Count < batch)
            throw new UsageException($"{source.Description}: {source.Count} samples cannot fill one batch of {batch}");
        var result = new List<IReadOnlyDictionary<string, Tensor>>(feeds);
        for (var f = 0; f < feeds; f++)
        {
            var samples = Enumerable.Range(f * batch, batch).Select(source.Read).ToList();
            if (batch == 1)
            {
                result.Add(samples[0]);
                continue;
            }
            var stacked = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var input in inputs) stacked[input.Name] = Stack(input, samples.Select(s => s[input.Name]).ToList(), source.Description, batch);
            result.Add(stacked);
        }
        return result;
    }

    // Samples carry a leading dim of 1; a batch concatenates them along it (row-major, so bytes simply follow).
    internal static Tensor Stack(Value input, List<Tensor> parts, string source, int batch)
    {
        var first = parts[0];
        if (first.Dims.Count == 0 || first.Dims[0] != 1)
            throw new UsageException($"{source}: input '{input.Name}' samples are [{string.Join(",", first.Dims)}], without a leading dim of 1 to batch along");
        if (input.Type is TensorType { Shape: { Rank: > 0 } shape } && shape[0].Value is { } size && size != batch)
            throw new UsageException($"input '{input.Name}' has a fixed batch dim of {size}; --batch {batch} needs a free leading dim");
        var bytes = new byte[checked(first.ByteLength * parts.Count)];
        var offset = 0;
        foreach (var part in parts)
        {
            if (!part.Dims.SequenceEqual(first.Dims))
                throw new UsageException($"{source}: input '{input.Name}' samples differ in shape ([{string.Join(",", first.Dims)}] and [{string.Join(",", part.Dims)}]); they cannot be batched");
            part.RawBytes.CopyTo(bytes.AsSpan(offset));
            offset += (int)part.ByteLength;
        }
        return Tensor.FromRaw(input.Name, first.DataType, [batch, .. first.Dims.Skip(1)], bytes);
    }

    private static string Describe(TensorShape shape) =>
        "[" + string.Join(",", shape.Select(d => d.Value?.ToString(CultureInfo.InvariantCulture) ?? d.Symbol ?? "?")) + "]";
}
