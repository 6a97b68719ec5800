namespace EdgeOpt.BrowserTests;

/// <summary>
/// Chromium with a WebGPU adapter on SwiftShader, the CPU implementation of Vulkan that ships inside Chromium: the WebGPU
/// backend really runs on a CI machine without a GPU. Only for tests — shaders compile slowly on the CPU (the demo's
/// first inference takes ~10 s) and <c>--enable-unsafe-webgpu</c> is not a browsing setting.
/// </summary>
public sealed class SoftwareWebGpuChromium() : ChromiumFixture(["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"]);
