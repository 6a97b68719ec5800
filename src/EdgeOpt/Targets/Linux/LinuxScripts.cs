using System.Text;

namespace EdgeOpt.Targets.Linux;

/// <summary>
/// The package's bash scripts: <c>run.sh</c> (the runner on the model, the sample inputs when none are given, refusing
/// another architecture unless an emulator is named) and <c>build_runner.sh</c> (the runner from source, when the
/// package was written without publishing it).
/// </summary>
internal static class LinuxScripts
{
    public const string RunScript = "run.sh";
    public const string BuildScript = "build_runner.sh";

    /// <summary>The emulator run.sh starts the runner with on another architecture (QEMU user mode: qemu-aarch64-static).</summary>
    public const string EmulatorVariable = "EDGEOPT_EMULATOR";

    /// <summary>
    /// run.sh for <paramref name="rid"/> (<paramref name="machine"/> as <c>uname -m</c> prints it), headed by
    /// <paramref name="title"/>; <paramref name="sampleInputs"/> (input name → file in the package) are passed when the
    /// command line gives no --input.
    /// </summary>
    public static string Run(string rid, string machine, string title, IReadOnlyList<(string Name, string File)> sampleInputs)
    {
        var samples = new StringBuilder();
        foreach (var (name, file) in sampleInputs) samples.Append($" --input {Quote(name + "=")}\"$here/{file}\"");
        var qemu = machine == "aarch64" ? "qemu-aarch64-static" : "qemu-x86_64-static";
        var machines = machine == "aarch64" ? "aarch64|arm64" : "x86_64|amd64";
        return $$"""
            #!/usr/bin/env bash
            # {{title}}
            # Runs model.onnx with the bundled runner (runner/edgeopt-runner) and session_options.json:
            #   ./run.sh run [--input NAME=FILE.npy ...] [--output-dir DIR]   one inference; prints the outputs as JSON, writes them as .npy into DIR
            #   ./run.sh bench [--runs N] [--warmup N] [--threads N]          latency statistics as JSON
            # Without --input both use the inputs in sample/. `runner/edgeopt-runner --help` lists every option.
            set -euo pipefail

            here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
            runner="$here/runner/edgeopt-runner"
            launch=()

            if [[ "$(uname -s)" != Linux ]]; then
              echo "run.sh: this package is for Linux on {{machine}} ({{rid}}); this machine runs $(uname -s)" >&2
              exit 1
            fi
            machine="$(uname -m)"
            case "$machine" in
              {{machines}}) ;;
              *)
                if [[ -z "${{{EmulatorVariable}}:-}" ]]; then
                  echo "run.sh: this package is for {{machine}} ({{rid}}) and this machine is $machine: copy the folder to the device" \
                    "(a 64-bit OS: uname -m prints {{machine}}), or try it here under emulation, where timings mean nothing:" \
                    "{{EmulatorVariable}}={{qemu}} ./run.sh ..." >&2
                  exit 1
                fi
                # .NET's W^X double mapping of JIT-compiled code does not work under QEMU's user-mode emulation.
                export DOTNET_EnableWriteXorExecute=0
                launch=("${{{EmulatorVariable}}}")
                ;;
            esac
            if [[ ! -x "$runner" ]]; then
              echo "run.sh: runner/edgeopt-runner is missing; build it with ./{{BuildScript}} (needs the .NET 10 SDK)" >&2
              exit 1
            fi

            command="${1:-}"
            case "$command" in
              run|bench)
                shift
                args=("$@")
                given=0
                for arg in "$@"; do
                  if [[ "$arg" == --input ]]; then given=1; fi
                done
                if ((given == 0)); then
                  args+=({{samples.ToString().TrimStart()}})
                fi
                exec ${launch[@]+"${launch[@]}"} "$runner" "$command" "$here/model.onnx" "${args[@]}"
                ;;
              *)
                echo "usage: ./run.sh run [--input NAME=FILE.npy ...] [--output-dir DIR] | ./run.sh bench [--runs N] [--warmup N] [--threads N]" >&2
                exit 2
                ;;
            esac

            """;
    }

    public static string Build(string rid, IReadOnlyList<string> publishArguments) => $$"""
        #!/usr/bin/env bash
        # Builds runner/ (the self-contained {{rid}} runner run.sh starts) from runner-src/: needs the .NET 10 SDK and NuGet
        # access (it restores ONNX Runtime's package, whose {{rid}} native library the runner ships). Runs on any machine.
        set -euo pipefail

        here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
        if ! command -v dotnet >/dev/null; then
          echo "build_runner.sh: the .NET 10 SDK (dotnet) is not on PATH; see https://dot.net" >&2
          exit 1
        fi
        dotnet publish "$here/runner-src/{{RunnerSources.ProjectFile}}" {{string.Join(" ", publishArguments)}} -o "$here/runner"

        """;

    /// <summary>Single quotes for bash, each embedded quote closed, escaped and reopened.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
