using EdgeOpt.Onnx;

namespace EdgeOpt.Quantization.Internal;

/// <summary>ONNX Runtime's contrib operator domain, where the weight quantizers' fused kernels live.</summary>
internal static class MicrosoftDomain
{
    public const string Name = "com.microsoft";

    /// <summary>Imports the domain at version 1 (the only one ORT defines) unless <paramref name="model"/> already does.</summary>
    public static void Import(Model model)
    {
        if (model.GetOpset(Name) is null) model.SetOpset(Name, 1);
    }
}
