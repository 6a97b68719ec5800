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
        var reachable = bases.Where(b => b.Settings.Resize == image.Resize && b.Settings.CropFraction.Equals(image.CropFraction)).ToList();
        if (reachable.Count == 0)
            throw new UsageException($"image settings resize {image.Resize} with crop fraction {image.CropFraction.ToString(CultureInfo.InvariantCulture)} have no edgeopt flags");
        var (preset, start) = reachable.OrderBy(b => Differences(b.Settings, image).Count).First();
        var flags = new List<string>();
        if (preset is not null) flags.AddRange(["--preset", preset]);
        flags.AddRange(Differences(start, image));
        return flags;
    }

    private static List<string> Differences(ImagePreprocessing from, ImagePreprocessing to)
    {
        var flags = new List<string>();
        if (from.Width != to.Width || from.Height != to.Height)
        {
            // --size sets both; a half-given size cannot be written as a flag, so it must come with its partner.
            if (to.Width is not { } w || to.Height is not { } h)
                throw new UsageException("image settings with only one of width and height have no edgeopt flags (--size WxH sets both)");
            flags.AddRange(["--size", string.Create(CultureInfo.InvariantCulture, $"{w}x{h}")]);
        }
        if (!Same(from.Mean, to.Mean)) flags.AddRange(["--mean", Floats(to.Mean ?? [0f])]);
        if (!Same(from.Std, to.Std)) flags.AddRange(["--std", Floats(to.Std ?? [1f])]);
        if (from.Layout != to.Layout)
        {
            if (to.Layout is not { } layout) throw new UsageException("image settings cannot unset a preset's layout with edgeopt flags");
            flags.AddRange(["--layout", layout == ImageLayout.Nchw ? "NCHW" : "NHWC"]);
        }
        if (from.Color != to.Color || from.Bgr != to.Bgr)
        {
            if (to.Color is not { } color) throw new UsageException("image settings cannot unset a preset's colour with edgeopt flags");
            flags.AddRange(["--color", color == ImageColor.Grayscale ? "gray" : to.Bgr ? "bgr" : "rgb"]);
        }
        if (!from.Scale.Equals(to.Scale)) flags.AddRange(["--pixel-scale", to.Scale.ToString("R", CultureInfo.InvariantCulture)]);
        return flags;
    }

    private static bool Same(IReadOnlyList<float>? a, IReadOnlyList<float>? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b);

    private static string Floats(IReadOnlyList<float> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
