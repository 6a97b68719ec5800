using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace EdgeOpt.Onnx;

/// <summary>
/// Where a tensor's bytes live. Payloads stay where they are (a slice of the memory-mapped model file,
/// a range of an external data file, or an owned array) until someone reads them.
/// </summary>
public abstract class TensorData
{
    /// <summary>Number of bytes.</summary>
    public abstract long Length { get; }

    /// <summary>The bytes, mapping or reading them on first use.</summary>
    public abstract ReadOnlyMemory<byte> Memory { get; }

    /// <summary>Whether the bytes are still only a view of a file (nothing owned yet).</summary>
    public virtual bool IsFileBacked => false;

    public static TensorData FromMemory(ReadOnlyMemory<byte> memory) => new MemoryTensorData(memory);
}

internal sealed class MemoryTensorData(ReadOnlyMemory<byte> memory) : TensorData
{
    public override long Length => memory.Length;
    public override ReadOnlyMemory<byte> Memory => memory;
}

/// <summary>A slice of a memory-mapped file (the model file itself).</summary>
internal sealed class MappedSliceTensorData(MappedFile file, long offset, int length) : TensorData
{
    public override long Length => length;
    public override ReadOnlyMemory<byte> Memory => file.Slice(offset, length);
    public override bool IsFileBacked => true;
}

/// <summary>A range of an external data file, mapped on first access and verified when a checksum is given.</summary>
internal sealed class ExternalTensorData : TensorData
{
    private readonly ExternalDataStore _store;
    private ReadOnlyMemory<byte>? _memory;

    public ExternalTensorData(ExternalDataStore store, ExternalDataInfo info)
    {
        _store = store;
        Info = info;
    }

    public ExternalDataInfo Info { get; }
    public override long Length => Info.Length;
    public override bool IsFileBacked => true;

    public override ReadOnlyMemory<byte> Memory => _memory ??= _store.Read(Info);
}

/// <summary>Where an external tensor lives: ONNX <c>external_data</c> entries, already validated.</summary>
public sealed record ExternalDataInfo(string Location, string FullPath, long Offset, long Length, string? Checksum);

/// <summary>A read-only memory map over a whole file; slices are <see cref="Memory{T}"/> without copying.</summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private bool _disposed;

    public MappedFile(string path)
    {
        Path = path;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        Length = stream.Length;
        _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _pointer = p + _view.PointerOffset;
    }

    public string Path { get; }
    public long Length { get; }

    public ReadOnlyMemory<byte> Slice(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset + length > Length) throw new ArgumentOutOfRangeException(nameof(offset));
        return new SliceManager(this, _pointer + offset, length).Memory;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private sealed class SliceManager(MappedFile owner, byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan()
        {
            ObjectDisposedException.ThrowIf(owner._disposed, owner);
            return new Span<byte>(pointer, length);
        }

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }
}

/// <summary>Owns the maps of a model's external data files, opened lazily, one per file.</summary>
internal sealed class ExternalDataStore : IDisposable
{
    private readonly Dictionary<string, MappedFile> _files = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public ReadOnlyMemory<byte> Read(ExternalDataInfo info)
    {
        if (info.Length > int.MaxValue)
            ThrowHelper.ModelFormat($"external tensor in '{info.Location}' is {info.Length} bytes; a single tensor over 2 GiB is not supported");
        MappedFile file;
        lock (_lock)
        {
            if (!_files.TryGetValue(info.FullPath, out file!))
            {
                if (!File.Exists(info.FullPath))
                    ThrowHelper.ModelFormat($"external data file '{info.Location}' does not exist (looked for '{info.FullPath}')");
                file = new MappedFile(info.FullPath);
                _files.Add(info.FullPath, file);
            }
        }
        if (info.Offset + info.Length > file.Length)
            ThrowHelper.ModelFormat($"external data range {info.Offset}+{info.Length} is past the end of '{info.Location}' ({file.Length} bytes)");
        if (info.Length == 0) return ReadOnlyMemory<byte>.Empty;
        var memory = file.Slice(info.Offset, (int)info.Length);
        if (info.Checksum is { Length: > 0 } expected)
        {
            // ONNX defines `checksum` as a SHA-1 digest; we check it over the tensor's byte range.
            var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(memory.Span));
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                ThrowHelper.ModelFormat($"external data in '{info.Location}' at offset {info.Offset} fails its SHA-1 checksum (expected {expected}, got {actual})");
        }
        return memory;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var f in _files.Values) f.Dispose();
            _files.Clear();
        }
    }
}
