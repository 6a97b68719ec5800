using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.Tflite;

/// <summary>Runs an in-memory model in ONNX Runtime on flat typed arrays, in graph-input order; outputs come back flat.</summary>
internal static class OrtRun
{
    public static IReadOnlyList<(string Name, long[] Shape, Array Data)> Run(Model model, params (long[] Shape, Array Data)[] inputs)
    {
        using var session = SessionFactory.Create(model, new SessionSettings { IntraOpThreads = 1 });
        var names = session.InputMetadata.Keys.ToArray();
        Assert.Equal(names.Length, inputs.Length);
        var values = inputs.Select(i => Create(i.Data, i.Shape)).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, names, values, session.OutputNames);
            return outputs.Select((o, i) => (session.OutputNames[i], o.GetTensorTypeAndShape().Shape, Read(o))).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static OrtValue Create(Array data, long[] shape) => data switch
    {
        float[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
        sbyte[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
        byte[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
        short[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
        int[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
        long[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
        bool[] a => OrtValue.CreateTensorValueFromMemory(a, shape),
        _ => throw new NotSupportedException(data.GetType().Name),
    };

    private static Array Read(OrtValue value) => value.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
        TensorElementType.Int8 => value.GetTensorDataAsSpan<sbyte>().ToArray(),
        TensorElementType.UInt8 => value.GetTensorDataAsSpan<byte>().ToArray(),
        TensorElementType.Int16 => value.GetTensorDataAsSpan<short>().ToArray(),
        TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray(),
        TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray(),
        TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray(),
        var t => throw new NotSupportedException(t.ToString()),
    };

    /// <summary>Elements as doubles, whatever their type.</summary>
    public static double[] AsDoubles(Array data) => data switch
    {
        float[] a => a.Select(v => (double)v).ToArray(),
        sbyte[] a => a.Select(v => (double)v).ToArray(),
        byte[] a => a.Select(v => (double)v).ToArray(),
        short[] a => a.Select(v => (double)v).ToArray(),
        int[] a => a.Select(v => (double)v).ToArray(),
        long[] a => a.Select(v => (double)v).ToArray(),
        _ => throw new NotSupportedException(data.GetType().Name),
    };
}
