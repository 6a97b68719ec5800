namespace EdgeOpt.Deployment;

/// <summary>How an <see cref="EdgeDeployer"/> works, as opposed to what it must achieve (<see cref="OptimizationConfig"/>).</summary>
public sealed record DeployerOptions
{
    /// <summary>
    /// The results store (an SQLite file) candidate results are cached in by content, so a rerun or an interrupted run
    /// resumes; null: no store, every candidate is evaluated.
    /// </summary>
    public string? ResultsStorePath { get; init; }

    /// <summary>The per-user store: <c>$XDG_CACHE_HOME/edgeopt/results.db</c>, else <c>~/.cache/edgeopt/results.db</c>.</summary>
    public static string DefaultResultsStorePath => ResultsStore.DefaultPath();

    /// <summary>Replace an earlier deployment in the output folder (never a folder holding files EdgeOpt did not write).</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Also write the chosen model's platform package into <c>package/</c>, as <c>edgeopt package</c> makes it for the
    /// device's platform (Android, iOS, Jetson, Raspberry Pi, Arm/x64 Linux; browsers already get <c>web/</c>). Linux
    /// runners ship as source with a build script there, so a deployment needs no .NET SDK.
    /// </summary>
    public bool Package { get; init; }

    /// <summary>The command line that started the deployment, recorded in the report's provenance; null: the API call.</summary>
    public string? Command { get; init; }
}
