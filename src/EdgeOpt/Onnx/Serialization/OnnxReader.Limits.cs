namespace EdgeOpt.Onnx.Serialization;

/// <summary>The reader's share of <see cref="InputLimits"/>: counted while parsing, so the refusal comes before the allocation.</summary>
internal sealed partial class OnnxReader
{
    private int _tensorCount;
    private long _externalBytes;

    /// <summary>Called for each TensorProto before it is read.</summary>
    private void CountTensor(long offset)
    {
        if (++_tensorCount > InputLimits.MaxTensorCount)
            ThrowHelper.ModelFormat($"{_fileName}: more than {InputLimits.MaxTensorCount} tensors near byte {offset}; the limit is {InputLimits.MaxTensorCount} (InputLimits.MaxTensorCount)");
    }

    private void CheckElements(string label, List<long> dims, long count)
    {
        if (count > InputLimits.MaxTensorElements)
            ThrowHelper.ModelFormat($"{_fileName}: {label} dims [{string.Join(",", dims)}] give {count} elements; the limit is {InputLimits.MaxTensorElements} (InputLimits.MaxTensorElements)");
    }

    /// <summary>
    /// Called before each string of a string tensor is copied out of the file (<paramref name="strings"/> already kept,
    /// <paramref name="bytes"/> including this one). The tensor's name usually follows its strings in the file, so the
    /// message places it by byte offset.
    /// </summary>
    private void CountString(int strings, long bytes, long offset)
    {
        if (strings >= InputLimits.MaxStringTensorElements)
            ThrowHelper.ModelFormat($"{_fileName}: a string tensor near byte {offset} has more than {InputLimits.MaxStringTensorElements} strings; the limit is {InputLimits.MaxStringTensorElements} (InputLimits.MaxStringTensorElements)");
        if (bytes > InputLimits.MaxStringTensorBytes)
            ThrowHelper.ModelFormat($"{_fileName}: a string tensor near byte {offset} has over {InputLimits.MaxStringTensorBytes} bytes of strings; the limit is {InputLimits.MaxStringTensorBytes} (InputLimits.MaxStringTensorBytes)");
    }

    private void AddExternal(string label, long size)
    {
        _externalBytes += size; // each size is within its file, so the sum of at most MaxTensorCount of them cannot overflow
        if (_externalBytes > InputLimits.MaxExternalDataBytes)
            ThrowHelper.ModelFormat($"{_fileName}: external data reaches {_externalBytes} bytes at {label}; the limit is {InputLimits.MaxExternalDataBytes} (InputLimits.MaxExternalDataBytes)");
    }
}
