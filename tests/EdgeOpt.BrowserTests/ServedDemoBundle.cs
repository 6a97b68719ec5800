using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>A progressive WASM bundle of the demo model (64 KB chunks, so several chunks) shared by a test class.</summary>
public sealed class ServedDemoBundle : ServedBundle
{
    protected override string Build(string workFolder, string bundleFolder)
    {
        var model = DemoModel.WriteTo(workFolder);
        WebBundler.Build(model, bundleFolder, DemoModel.ProgressiveOptions());
        return model;
    }
}
