using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// What a pass needs from the model, as data the <see cref="PassManager"/> checks before each run: a pass whose
/// requirements are not met is skipped and reported as <c>skipped: requires …</c>, never run half-blind.
/// </summary>
public sealed record PassRequirements
{
    public static PassRequirements None { get; } = new();

    /// <summary>Lowest default-domain opset the rule is valid for (inclusive); null for any.</summary>
    public int? MinOpset { get; init; }

    /// <summary>Highest default-domain opset the rule is valid for (inclusive); null for any.</summary>
    public int? MaxOpset { get; init; }

    /// <summary>The pass handles the main graph only: the model must hold no subgraphs (If/Loop/Scan bodies).</summary>
    public bool NoSubgraphs { get; init; }

    /// <summary>The requirements <paramref name="model"/> does not meet, as one phrase (e.g. <c>opset ≥ 7 (the model has 6)</c>); null when all are met.</summary>
    public string? Unmet(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var unmet = new List<string>();
        var opset = model.GetOpset();
        var has = opset is { } v ? $"the model has {v.ToString(CultureInfo.InvariantCulture)}" : "the model imports none";
        if (MinOpset is { } min && (opset ?? 0) < min) unmet.Add($"opset ≥ {min} ({has})");
        if (MaxOpset is { } max && (opset is null || opset > max)) unmet.Add($"opset ≤ {max} ({has})");
        if (NoSubgraphs && model.Graph.AllNodes().FirstOrDefault(n => n.Subgraphs.Any()) is { } holder)
            unmet.Add($"no subgraphs ({holder.DisplayName} holds one)");
        return unmet.Count == 0 ? null : string.Join(", ", unmet);
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (MinOpset is { } min) parts.Add($"opset ≥ {min}");
        if (MaxOpset is { } max) parts.Add($"opset ≤ {max}");
        if (NoSubgraphs) parts.Add("no subgraphs");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
