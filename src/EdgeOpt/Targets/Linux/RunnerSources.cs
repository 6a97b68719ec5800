using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace EdgeOpt.Targets.Linux;

/// <summary>
/// The Linux packages' runner as source: src/EdgeOpt.Runner's files, embedded in this assembly, written out as a project
/// that builds anywhere: a <c>Directory.Packages.props</c> pins ONNX Runtime to the version EdgeOpt verified with, and
/// an empty <c>Directory.Build.props</c> stops MSBuild from picking up settings of the folders above it.
/// </summary>
internal static class RunnerSources
{
    public const string ProjectFile = "EdgeOpt.Runner.csproj";

    /// <summary>The runner's executable, as its project names it (AssemblyName).</summary>
    public const string Executable = "edgeopt-runner";

    private const string Prefix = "EdgeOpt.Runner/";

    /// <summary>Writes the project into <paramref name="folder"/> (created); returns the files' names, sorted.</summary>
    public static IReadOnlyList<string> WriteTo(string folder, string onnxRuntimeVersion)
    {
        Directory.CreateDirectory(folder);
        var files = Files(onnxRuntimeVersion);
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name), bytes);
        return [.. files.Keys];
    }

    /// <summary>SHA-256 (hex, lower case) over the project's file names and bytes: the runner's identity in the publish cache.</summary>
    public static string Hash(string onnxRuntimeVersion)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, bytes) in Files(onnxRuntimeVersion))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}\0{bytes.Length}\0"));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static SortedDictionary<string, byte[]> Files(string onnxRuntimeVersion)
    {
        var assembly = typeof(RunnerSources).Assembly;
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
            files[resource[Prefix.Length..]] = Read(assembly, resource);
        if (!files.ContainsKey(ProjectFile))
            throw new InvalidOperationException($"EdgeOpt was built without the runner's sources (embedded resource {Prefix}{ProjectFile})");
        files["Directory.Build.props"] = Encoding.UTF8.GetBytes("""
            <Project>
              <!-- Stops MSBuild's search for Directory.Build.props in the folders above: the runner builds the same anywhere. -->
            </Project>

            """);
        files["Directory.Packages.props"] = Encoding.UTF8.GetBytes($"""
            <Project>
              <!-- The ONNX Runtime EdgeOpt packaged and verified the model with. -->
              <ItemGroup>
                <PackageVersion Include="Microsoft.ML.OnnxRuntime" Version="{onnxRuntimeVersion}" />
              </ItemGroup>
            </Project>

            """);
        return files;
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
