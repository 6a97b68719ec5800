namespace EdgeOpt.DemoTrainer;

/// <summary>Builds fashion-cnn.onnx from the weights file with EdgeOpt's ONNX IR (GraphBuilder + writer).</summary>
internal static class OnnxExport
{
    public static void Write(WeightsFile weights, string path) =>
        throw new NotImplementedException($"ONNX export is waiting for EdgeOpt's GraphBuilder ({weights.Tensors.Count} tensors, {path}).");
}
