using EdgeOpt.Onnx;
using SkiaSharp;

namespace EdgeOpt.Data;

/// <summary>
/// Samples from image files (anything SkiaSharp decodes: JPEG, PNG, BMP, WebP, GIF). Opening checks every file's header
/// (<see cref="SKCodec"/> reads only that); each read decodes one image and preprocesses it (<see cref="ImageTensorizer"/>).
/// When every image sits in a first-level sub-folder, the sorted sub-folder names are the classes 0..K-1.
/// </summary>
internal static class ImageFolderSource
{
    public static readonly IReadOnlySet<string> Extensions =
        new HashSet<string>([".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"], StringComparer.OrdinalIgnoreCase);

    public static ISampleSource Open(string root, IReadOnlyList<string> files, Value input, ImagePreprocessing options, string description)
    {
        foreach (var file in files)
        {
            using var codec = SKCodec.Create(file, out var result);
            if (codec is null) throw new DataFormatException($"{file}: not a readable image ({result})");
        }
        var tensorizer = ImageTensorizer.For(input, options);

        int[]? labels = null;
        var classes = 0;
        if (Directory.Exists(root))
        {
            var folders = files.Select(f => Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar)).ToList();
            if (folders.All(parts => parts.Length == 2))
            {
                var names = folders.Select(parts => parts[0]).Distinct().Order(StringComparer.Ordinal).ToList();
                labels = [.. folders.Select(parts => names.IndexOf(parts[0]))];
                classes = names.Count;
            }
        }

        var what = $"{files.Count} image{(files.Count == 1 ? "" : "s")}{(labels is null ? "" : $" in {classes} classes")}";
        return new LazySampleSource($"{description} ({what}, {tensorizer.Summary})", files.Count,
            i => new Dictionary<string, Tensor>(StringComparer.Ordinal) { [input.Name] = tensorizer.Load(files[i]) }, labels);
    }
}
