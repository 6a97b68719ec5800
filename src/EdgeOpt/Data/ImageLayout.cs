namespace EdgeOpt.Data;

/// <summary>Where the channel axis sits in an image tensor.</summary>
public enum ImageLayout
{
    /// <summary><c>[N, C, H, W]</c>: PyTorch, ONNX model zoo.</summary>
    Nchw,

    /// <summary><c>[N, H, W, C]</c>: TensorFlow, TFLite exports.</summary>
    Nhwc,
}
