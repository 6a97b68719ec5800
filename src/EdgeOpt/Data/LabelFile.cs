using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>Class labels, one per sample in data order, from a text file, an integer <c>.npy</c> or an IDX1 labels file.</summary>
public static class LabelFile
{
    /// <summary>
    /// Loads labels: <c>*-idx1-ubyte[.gz]</c> as IDX, <c>.npy</c> as an integer array (flattened), anything else as text
    /// with one integer per line (blank lines ignored).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line, dtype or header is bad (names the file, and the line for text).</exception>
    public static int[] Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"label file '{path}' does not exist", path);
        var name = Path.GetFileName(path);
        if (name.Contains("idx1-ubyte", StringComparison.OrdinalIgnoreCase)) return [.. IdxDataset.LoadLabels(path).Select(b => (int)b)];
        if (name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) return LoadNpy(path);

        var labels = new List<int>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0) continue;
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var label) || label < 0)
                throw new DataFormatException($"{path}:{number}: '{Shorten(text)}' is not a class label (a non-negative integer)");
            labels.Add(label);
        }
        if (labels.Count == 0) throw new DataFormatException($"{path}: no labels (expected one integer per line)");
        return [.. labels];
    }

    private static int[] LoadNpy(string path)
    {
        using var stream = File.OpenRead(path);
        var header = NpyFile.ReadHeader(stream, path);
        if (header.Type is not (DataType.Int64 or DataType.Int32 or DataType.Int8 or DataType.UInt8))
            throw new DataFormatException($"{path}: labels must be an integer array, not dtype '{header.Descr}'");
        var labels = header.Read(stream, "labels", 0, [header.ElementCount]).ToInt64Array();
        foreach (var label in labels)
            if (label is < 0 or > int.MaxValue) throw new DataFormatException($"{path}: {label} is not a class label (a non-negative integer)");
        return [.. labels.Select(l => (int)l)];
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
