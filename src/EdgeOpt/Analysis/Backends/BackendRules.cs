using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis.Backends;

/// <summary>Why a node fails a backend rule.</summary>
internal readonly record struct Verdict(UnsupportedCause Cause, string Reason);

/// <summary>An extra condition of one table row (the "Note" column of ORT's support tables).</summary>
internal delegate Verdict? Rule(NodeFacts node);

/// <summary>
/// One backend's support table: operators keyed <c>domain:OpType</c> (<c>ai.onnx</c> for the default domain), each
/// with the conditions its row states, plus the checks that apply to every node (shapes, types, opset).
/// </summary>
internal abstract class BackendRules
{
    public abstract AccelerationBackend Backend { get; }

    /// <summary>The table followed: URL and the ONNX Runtime version it describes.</summary>
    public abstract string Source { get; }

    /// <summary>Operators in the table; a null rule means the row has no condition.</summary>
    protected virtual IReadOnlyDictionary<string, Rule?> Table { get; } = new Dictionary<string, Rule?>();

    /// <summary>Checks that apply to every node before its row (dynamic shapes, data types); null when none fails.</summary>
    protected virtual Verdict? CheckCommon(NodeFacts node) => null;

    public virtual Verdict? Check(NodeFacts node)
    {
        if (!Table.TryGetValue(Key(node.Node), out var rule))
            return new Verdict(UnsupportedCause.Operator, $"{Key(node.Node)} is not in the {BackendSupport.DisplayName(Backend)} support table");
        return CheckCommon(node) ?? rule?.Invoke(node);
    }

    public static string Key(Node node) => $"{(node.IsOnnxDomain ? "ai.onnx" : node.Domain)}:{node.OpType}";

    // Row conditions shared by several tables.

    /// <summary>"Only 2D Conv/Pool is supported": the data input must be rank 4 (N, C, H, W).</summary>
    public static Rule Only2D(string what) => n => n.Rank(0) is { } r && r != 4
        ? new Verdict(UnsupportedCause.Constraint, $"only 2D {what} is supported; input '{n.InputName(0)}' has rank {r}")
        : null;

    /// <summary>Inputs at these indices (when present) must be constant initializers.</summary>
    public static Rule Constant(string what, params int[] indices) => n =>
    {
        foreach (var i in indices)
            if (n.HasInput(i) && !n.IsConstant(i))
                return new Verdict(UnsupportedCause.NonConstantInput, $"{what} must be constant; input '{n.InputName(i)}' is computed at run time");
        return null;
    };

    /// <summary>Every input except those listed (the data tensors) must be constant: quantization scales and zero points.</summary>
    public static Rule QuantParamsConstant(params int[] dataInputs) => n =>
    {
        for (var i = 0; i < n.Node.Inputs.Count; i++)
            if (!dataInputs.Contains(i) && n.HasInput(i) && !n.IsConstant(i))
                return new Verdict(UnsupportedCause.NonConstantInput,
                    $"quantization scales, zero points and weights must be constant; input '{n.InputName(i)}' is computed at run time");
        return null;
    };

    public static Rule All(params Rule[] rules) => n =>
    {
        foreach (var r in rules)
            if (r(n) is { } v) return v;
        return null;
    };

    /// <summary>A node whose computed tensors are not all static fails with a message naming the tensor.</summary>
    public static Verdict? RequireStaticShapes(NodeFacts n, string backend) => n.FirstDynamic() is { } v
        ? new Verdict(UnsupportedCause.DynamicShape, $"{backend} needs static shapes; '{v.Name}' is {NodeFacts.ShapeText(v)}")
        : null;

    /// <summary>Kernel opset ranges as the ORT web tables print them: <c>(since, until)</c>, until null for "and above".</summary>
    public static Verdict? CheckOpsetRange(NodeFacts n, (int Since, int? Until) range, string backend)
    {
        if (n.Opset < range.Since)
            return new Verdict(UnsupportedCause.Opset, $"{backend} implements {n.OpType} from opset {range.Since}; the model imports opset {n.Opset}");
        if (range.Until is { } until && n.Opset > until)
            return new Verdict(UnsupportedCause.Opset, $"{backend} implements {n.OpType} up to opset {until}; the model imports opset {n.Opset}");
        return null;
    }
}
