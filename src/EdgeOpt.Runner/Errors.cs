namespace EdgeOpt.Runner;

/// <summary>Bad arguments or input files: one line on stderr, exit code 2.</summary>
internal sealed class UsageError(string message) : Exception(message);

/// <summary>The model could not be loaded or run: one line on stderr, exit code 1.</summary>
internal sealed class RunError(string message) : Exception(message);
