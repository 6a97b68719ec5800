using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Devices;

public class ExecutionProvidersTests
{
    [Fact]
    public void Every_named_provider_maps_back_to_its_backend()
    {
        foreach (var backend in Enum.GetValues<AccelerationBackend>())
            if (ExecutionProviders.NameOf(backend) is { } name)
                Assert.Equal(backend, ExecutionProviders.BackendOf(name));
    }

    [Fact]
    public void The_cpu_provider_is_the_name_onnx_runtime_registers()
    {
        Assert.Contains(ExecutionProviders.Cpu, Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetAvailableProviders());
        Assert.Equal(AccelerationBackend.Cpu, ExecutionProviders.BackendOf("CPUExecutionProvider"));
    }

    [Theory]
    [InlineData(AccelerationBackend.Wasm)]
    [InlineData(AccelerationBackend.WebGl)]
    [InlineData(AccelerationBackend.EdgeTpu)]
    public void Backends_native_onnx_runtime_does_not_provide_have_no_provider_name(AccelerationBackend backend) =>
        Assert.Null(ExecutionProviders.NameOf(backend));

    [Fact]
    public void Providers_edgeopt_does_not_model_have_no_backend() => Assert.Null(ExecutionProviders.BackendOf("DnnlExecutionProvider"));
}
