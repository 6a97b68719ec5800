using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>Opens calibration or evaluation data for a model from a path or a word.</summary>
public static class SampleSources
{
    /// <summary>
    /// Opens <paramref name="spec"/> as samples for <paramref name="model"/>, whose inputs give names, element types
    /// and shapes. <paramref name="spec"/> is one of:
    /// a folder of images (recursive, sorted ordinal; class sub-folders give labels); a folder of <c>.npy</c> or
    /// <c>.pb</c> files; a folder of ONNX <c>test_data_set_*</c> folders, or one such folder; a single <c>.npy</c>, <c>.npz</c>, <c>.pb</c>
    /// or image file; an IDX images file (<c>*-idx3-ubyte</c>, optionally <c>.gz</c>); or <c>random</c> / <c>random:N</c>
    /// (synthetic, not representative). An array holding the model's input shape is one sample, one with a leading N
    /// is N samples. Opening is cheap (headers only); <see cref="ISampleSource.Read"/> decodes one sample.
    /// </summary>
    /// <exception cref="FileNotFoundException"><paramref name="spec"/> names nothing that exists.</exception>
    /// <exception cref="DataFormatException">The data is empty, mixed, unreadable or does not fit the model (names the file).</exception>
    /// <exception cref="InvalidOptionsException">The options cannot work (<see cref="SampleSourceOptions.Validate"/>), every problem at once.</exception>
    /// <exception cref="UsageException">The options do not fit the model (e.g. a free image size and none given).</exception>
    public static ISampleSource Open(string spec, Model model, SampleSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(model);
        options ??= new SampleSourceOptions();
        ThrowHelper.IfInvalid(options.Validate());
        var inputs = model.Graph.Inputs.Where(v => !v.IsInitializer).ToList();
        if (inputs.Count == 0) throw new UsageException("the model has no inputs to feed");

        if (spec == "random" || spec.StartsWith("random:", StringComparison.Ordinal)) return OpenRandom(spec, model, options);
        if (Directory.Exists(spec)) return OpenFolder(spec, inputs, options);
        if (!File.Exists(spec)) throw new FileNotFoundException($"data '{spec}' does not exist (expected a folder, a data file, or random[:N])", spec);

        var name = Path.GetFileName(spec);
        var extension = Path.GetExtension(spec).ToLowerInvariant();
        if (name.Contains("idx3-ubyte", StringComparison.OrdinalIgnoreCase)) return IdxImageSource.Open(spec, Single(inputs, spec, "IDX images"), name);
        return extension switch
        {
            ".npy" or ".pb" => TensorFileSource.Open([spec], Single(inputs, spec, extension), name),
            ".npz" => NpzSource.Open(spec, inputs, name),
            _ when ImageFolderSource.Extensions.Contains(extension) =>
                ImageFolderSource.Open(spec, [spec], Single(inputs, spec, "images"), options.Image ?? new ImagePreprocessing(), name),
            _ => throw new DataFormatException(
                $"{spec}: unknown data file kind '{extension}' (expected an image, .npy, .npz, .pb, or an IDX *-idx3-ubyte[.gz] file)"),
        };
    }

    private static ISampleSource OpenFolder(string folder, IReadOnlyList<Value> inputs, SampleSourceOptions options)
    {
        var label = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)) + "/";
        var sets = Directory.GetDirectories(folder, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        if (sets.Count > 0) return TestDataSetSource.Open(sets, inputs, label);
        // One data set given directly: its output_K.pb files are not samples.
        if (label.StartsWith("test_data_set_", StringComparison.Ordinal)) return TestDataSetSource.Open([folder], inputs, label);

        var files = Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden })
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var kinds = files.GroupBy(Kind).Where(g => g.Key is not null).ToDictionary(g => g.Key!, g => g.ToList());
        if (kinds.Count == 0) throw new DataFormatException($"no images or tensors in {folder} (expected images, .npy, .pb or test_data_set_* folders)");
        if (kinds.Count > 1)
            throw new DataFormatException(
                $"{folder} mixes {string.Join(", ", kinds.Select(k => $"{k.Value.Count} {k.Key}"))}; keep one kind of data per folder");
        var (kind, members) = kinds.Single();
        return kind switch
        {
            "images" => ImageFolderSource.Open(folder, members, Single(inputs, folder, "image folders"), options.Image ?? new ImagePreprocessing(), label),
            ".npz" => throw new DataFormatException($"{folder}: a folder of .npz files is not supported; give one .npz file"),
            _ => TensorFileSource.Open(members, Single(inputs, folder, $"{kind} folders"), label),
        };
    }

    private static string? Kind(string file)
    {
        var extension = Path.GetExtension(file).ToLowerInvariant();
        return ImageFolderSource.Extensions.Contains(extension) ? "images" : extension is ".npy" or ".pb" or ".npz" ? extension : null;
    }

    /// <summary>The most samples <c>random:N</c> makes: random data is never representative, and each sample costs a model run.</summary>
    public const int MaxRandomSamples = 10_000;

    private static ISampleSource OpenRandom(string spec, Model model, SampleSourceOptions options)
    {
        var count = options.RandomSamples;
        if (spec.Length > "random".Length
            && !(int.TryParse(spec.AsSpan("random:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out count) && count > 0))
            throw new UsageException($"'{spec}': expected random or random:N with N a positive integer");
        if (count > MaxRandomSamples)
            throw new UsageException($"'{spec}': at most {MaxRandomSamples} random samples; random data is not representative, so more does not calibrate better (use real data)");
        var seed = options.Seed;
        return new LazySampleSource($"random ({count} samples, NOT representative)", count,
            i => InputGenerator.Random(model, unchecked(seed + i)), isRepresentative: false);
    }

    private static Value Single(IReadOnlyList<Value> inputs, string spec, string what) => inputs.Count == 1 ? inputs[0]
        : throw new DataFormatException(
            $"{spec}: {what} feed single-input models, but the model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(v => v.Name))}); use an .npz keyed by input name or test_data_set_* folders");
}
