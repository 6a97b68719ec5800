using System.Runtime.ExceptionServices;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;

namespace EdgeOpt.Tests.Optimization;

/// <summary>
/// A model and its optimized copy (<c>optimize --level extended --target-opset 17</c>, through
/// <see cref="ModelOptimizer"/>), made once per test class. The optimized copy is also saved, so the ONNX checker
/// can read it. If optimizing throws, each test that needs the result rethrows that error.
/// </summary>
public abstract class OptimizedModel : IDisposable
{
    public const int TargetOpset = 17;

    private readonly Model? _optimized;
    private readonly ExceptionDispatchInfo? _failure;
    private readonly TempDir _dir = new();

    protected OptimizedModel(Model original)
    {
        Original = original;
        OriginalNodeCount = PassManager.CountNodes(original);
        var candidate = original.Clone();
        try
        {
            Result = ModelOptimizer.Optimize(candidate, new OptimizationOptions { Level = PassLevel.Extended, TargetOpset = TargetOpset });
            candidate.Save(SavedPath);
            _optimized = candidate;
        }
        catch (Exception e)
        {
            candidate.Dispose();
            _failure = ExceptionDispatchInfo.Capture(e);
        }
    }

    public Model Original { get; }
    public int OriginalNodeCount { get; }
    public OptimizationResult? Result { get; }

    /// <summary>The optimized model; rethrows the optimizer's error if it failed.</summary>
    public Model Optimized
    {
        get
        {
            _failure?.Throw();
            return _optimized!;
        }
    }

    public string SavedPath => _dir.File("optimized.onnx");

    public void Dispose()
    {
        Original.Dispose();
        _optimized?.Dispose();
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
