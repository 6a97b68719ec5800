namespace EdgeOpt.Onnx.Inference;

/// <summary>A rule could not derive a node's outputs; the message becomes the unresolved value's reason.</summary>
internal sealed class InferenceFailure : Exception
{
    public InferenceFailure(string message) : base(message) { }
    public InferenceFailure() { }
    public InferenceFailure(string message, Exception inner) : base(message, inner) { }
}
