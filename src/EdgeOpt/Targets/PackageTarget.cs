namespace EdgeOpt.Targets;

/// <summary>What a platform package is for: each target writes what that platform's developers ship.</summary>
public enum PackageTarget
{
    /// <summary>Android app: ORT format models, reduced-build operator configs, NNAPI report, Gradle line, Kotlin snippet.</summary>
    Android,

    /// <summary>iOS app: ORT format models, Core ML report (ML Program and NeuralNetwork), CocoaPods/SwiftPM lines, Swift snippet.</summary>
    Ios,

    /// <summary>NVIDIA Jetson with TensorRT: an ONNX model TensorRT accepts, shape profiles, INT8 calibration caches, trtexec script.</summary>
    Jetson,

    /// <summary>Raspberry Pi (64-bit OS): the linux-arm64 package with the Pi's threads and INT8 advice.</summary>
    RaspberryPi,

    /// <summary>Any 64-bit Arm Linux: the model and a self-contained runner published for linux-arm64.</summary>
    LinuxArm64,

    /// <summary>x64 Linux: the model and a self-contained runner published for linux-x64.</summary>
    LinuxX64,

    /// <summary>A static web bundle (the same as <c>edgeopt web</c>).</summary>
    Web,
}

/// <summary>Command-line spellings of <see cref="PackageTarget"/>.</summary>
public static class PackageTargets
{
    /// <summary>Every target, in the order help texts list them.</summary>
    public static IReadOnlyList<PackageTarget> All { get; } = Enum.GetValues<PackageTarget>();

    /// <summary>The spelling used on the command line and in package.json: <c>android</c>, <c>raspberry-pi</c>, <c>linux-arm64</c>, ...</summary>
    public static string Name(PackageTarget target) => target switch
    {
        PackageTarget.Android => "android",
        PackageTarget.Ios => "ios",
        PackageTarget.Jetson => "jetson",
        PackageTarget.RaspberryPi => "raspberry-pi",
        PackageTarget.LinuxArm64 => "linux-arm64",
        PackageTarget.LinuxX64 => "linux-x64",
        PackageTarget.Web => "web",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>A target from its spelling (case-insensitive), or null.</summary>
    public static PackageTarget? Parse(string name) =>
        All.Cast<PackageTarget?>().FirstOrDefault(t => string.Equals(Name(t!.Value), name.Trim(), StringComparison.OrdinalIgnoreCase));
}
