namespace EdgeOpt.Onnx.Inference;

/// <summary>RNN, GRU and LSTM: outputs from X's sequence and batch dims, the direction count and the hidden size.</summary>
internal static class RecurrentInference
{
    /// <summary>
    /// With layout 0, X is [seq, batch, input], Y [seq, dirs, batch, hidden] and Y_h/Y_c [dirs, batch, hidden];
    /// layout 1 puts batch first: X [batch, seq, input], Y [batch, seq, dirs, hidden], Y_h/Y_c [batch, dirs, hidden].
    /// dirs is 2 for direction=bidirectional (else 1, or W's dim 0); hidden is the hidden_size attribute, else R's last dim.
    /// </summary>
    public static void Recurrent(InferenceContext ctx)
    {
        var type = ctx.ElementType(0);
        var x = ctx.Shape(0);
        if (x.Rank != 3) throw new InferenceFailure($"X has rank {x.Rank}; expected 3");
        var batchFirst = ctx.Int("layout", 0) == 1;
        var (seq, batch) = batchFirst ? (x[1], x[0]) : (x[0], x[1]);
        Dim directions = ctx.String("direction") == "bidirectional" ? 2
            : ctx.HasInput(1) && ctx.Input(1)!.Shape is { Rank: 3 } w ? w[0] : 1;
        Dim hidden = ctx.Int("hidden_size", 0) is > 0 and var size ? size
            : ctx.HasInput(2) && ctx.Input(2)!.Shape is { Rank: 3 } r ? r[2] : Dim.Unknown;
        ctx.SetOutput(0, type, batchFirst ? [batch, seq, directions, hidden] : [seq, directions, batch, hidden]);
        Dim[] state = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden];
        for (var i = 1; i < ctx.OutputCount; i++) ctx.SetOutput(i, type, state);
    }
}
