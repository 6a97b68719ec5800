using System.Globalization;
using EdgeOpt.Data;

namespace EdgeOpt.Deployment;

/// <summary>
/// The <c>edgeopt</c> image flags that rebuild an <see cref="ImagePreprocessing"/>: the preset (or none) it differs from
/// in the fewest fields, then one flag per field that differs. Centre-crop resizing has no flag of its own, so such
/// settings always start from a centre-crop preset.
/// </summary>
internal static class ImageFlags
{
    public static IReadOnlyList<string> For(ImagePreprocessing image)
    {
        var bases = new List<(string? Preset, ImagePreprocessing Settings)> { (null, new ImagePreprocessing()) };
        bases.AddRange(ImagePreprocessing.PresetNames.Select(n => ((string?)n, ImagePreprocessing.Preset(n))));
        var (preset, flags) = bases
            .Where(b => b.Settings.Resize == image.Resize && b.Settings.CropFraction.Equals(image.CropFraction))
            .Select(b => (b.Preset, Flags: Differences(b.Settings, image)))
            .Where(b => b.Flags is not null)
            .OrderBy(b => b.Flags!.Count)
            .FirstOrDefault();
        if (flags is null)
            throw new UsageException($"these image settings have no edgeopt flags (resize {image.Resize}, crop fraction {image.CropFraction.ToString(CultureInfo.InvariantCulture)}, " +
                "size, layout and colour must each be given in full or left to the model)");
        return preset is null ? flags : ["--preset", preset, .. flags];
    }

    /// <summary>The flags that turn <paramref name="from"/> into <paramref name="to"/>; null when no flag can (a field flags only set, never unset).</summary>
    private static List<string>? Differences(ImagePreprocessing from, ImagePreprocessing to)
    {
        var flags = new List<string>();
        if (from.Width != to.Width || from.Height != to.Height)
        {
            // --size sets both and cannot unset a preset's size.
            if (to.Width is not { } w || to.Height is not { } h) return null;
            flags.AddRange(["--size", string.Create(CultureInfo.InvariantCulture, $"{w}x{h}")]);
        }
        if (!Same(from.Mean, to.Mean)) flags.AddRange(["--mean", Floats(to.Mean ?? [0f])]);
        if (!Same(from.Std, to.Std)) flags.AddRange(["--std", Floats(to.Std ?? [1f])]);
        if (from.Layout != to.Layout)
        {
            if (to.Layout is not { } layout) return null;
            flags.AddRange(["--layout", layout == ImageLayout.Nchw ? "NCHW" : "NHWC"]);
        }
        if (from.Color != to.Color || from.Bgr != to.Bgr)
        {
            if (to.Color is not { } color) return null;
            flags.AddRange(["--color", color == ImageColor.Grayscale ? "gray" : to.Bgr ? "bgr" : "rgb"]);
        }
        if (!from.Scale.Equals(to.Scale)) flags.AddRange(["--pixel-scale", to.Scale.ToString("R", CultureInfo.InvariantCulture)]);
        return flags;
    }

    private static bool Same(IReadOnlyList<float>? a, IReadOnlyList<float>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b);

    private static string Floats(IReadOnlyList<float> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
