using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Progressive;

/// <summary>A model assembled by <see cref="ProgressiveLoader"/>: every tensor's bytes are verified and held in memory.</summary>
public sealed class LoadedModel : IDisposable
{
    internal LoadedModel(Model model, ProgressiveManifest manifest)
    {
        Model = model;
        Manifest = manifest;
    }

    /// <summary>The IR with all tensor data in memory (no external data left).</summary>
    public Model Model { get; }

    /// <summary>The manifest the model was loaded from.</summary>
    public ProgressiveManifest Manifest { get; }

    /// <summary>Opens an ONNX Runtime session from memory (the model serialized with every tensor inline; no temporary files).</summary>
    public InferenceSession CreateSession(SessionSettings? settings = null) => SessionFactory.Create(Model, settings);

    public void Dispose() => Model.Dispose();
}
