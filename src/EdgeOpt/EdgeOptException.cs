namespace EdgeOpt;

/// <summary>Base of every error EdgeOpt raises on purpose; its message is meant for people.</summary>
public class EdgeOptException : Exception
{
    public EdgeOptException(string message) : base(message) { }
    public EdgeOptException(string message, Exception inner) : base(message, inner) { }
    public EdgeOptException() { }
}

/// <summary>The input is not a valid ONNX model (or not ONNX at all). Maps to CLI exit code 2.</summary>
public sealed class ModelFormatException : EdgeOptException
{
    public ModelFormatException(string message) : base(message) { }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
    public ModelFormatException() { }
}

/// <summary>An input data file (IDX images or labels, a tensor file) is malformed. Maps to CLI exit code 2.</summary>
public sealed class DataFormatException : EdgeOptException
{
    public DataFormatException(string message) : base(message) { }
    public DataFormatException(string message, Exception inner) : base(message, inner) { }
    public DataFormatException() { }
}

/// <summary>A valid model uses an operator, opset or type that a component does not handle.</summary>
public sealed class UnsupportedOperatorException : EdgeOptException
{
    public UnsupportedOperatorException(string message) : base(message) { }
    public UnsupportedOperatorException(string message, Exception inner) : base(message, inner) { }
    public UnsupportedOperatorException() { }
}

/// <summary>A requested constraint (size, latency, accuracy) cannot be met. Maps to CLI exit code 3.</summary>
public sealed class ConstraintException : EdgeOptException
{
    public ConstraintException(string message) : base(message) { }
    public ConstraintException(string message, Exception inner) : base(message, inner) { }
    public ConstraintException() { }
}

/// <summary>
/// Bad arguments or options given to an API or command. Maps to CLI exit code 2. Options that fail their record's
/// validation raise the subclass <see cref="InvalidOptionsException"/>, which lists every problem.
/// </summary>
public class UsageException : EdgeOptException
{
    public UsageException(string message) : base(message) { }
    public UsageException(string message, Exception inner) : base(message, inner) { }
    public UsageException() { }
}
