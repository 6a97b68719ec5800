namespace EdgeOpt.Onnx.Tflite.Schema;

/// <summary>
/// Reads a .tflite file (schema.fbs, file identifier <c>TFL3</c>) into a <see cref="TfliteModel"/>, checking what
/// TFLite's own interpreter was attacked through: tensor, buffer, operator-code and subgraph indices out of range
/// (negative ones included), buffers past the end of the file, shapes whose element count overflows, payloads that do
/// not fill their tensor, subgraphs that call themselves. Each problem is one <see cref="ModelFormatException"/> line
/// naming the field.
/// </summary>
internal static class TfliteReader
{
    // Slots (field declaration order, a union counting two) of the schema's tables.
    private const int ModelVersion = 0, ModelOperatorCodes = 1, ModelSubgraphs = 2, ModelDescription = 3, ModelBuffers = 4, ModelMetadata = 6, ModelSignatures = 7;
    private const int CodeDeprecated = 0, CodeCustom = 1, CodeVersion = 2, CodeBuiltin = 3;
    private const int SubgraphTensors = 0, SubgraphInputs = 1, SubgraphOutputs = 2, SubgraphOperators = 3, SubgraphName = 4;
    private const int TensorShape = 0, TensorType = 1, TensorBuffer = 2, TensorName = 3, TensorQuantization = 4, TensorIsVariable = 5, TensorSparsity = 6, TensorShapeSignature = 7;
    private const int QuantScale = 2, QuantZeroPoint = 3, QuantDetailsType = 4, QuantAxis = 6;
    private const int OpOpcode = 0, OpInputs = 1, OpOutputs = 2, OpOptionsType = 3, OpOptions = 4, OpCustomOptions = 5, OpLargeCustomOffset = 9, OpLargeCustomSize = 10;
    private const int BufferData = 0, BufferOffset = 1, BufferSize = 2;
    private const int SparsityOrder = 0, SparsityBlockMap = 1, SparsityDims = 2;
    private const int DimFormat = 0, DimDenseSize = 1, DimSegmentsType = 2, DimSegments = 3, DimIndicesType = 4, DimIndices = 5;
    private const int SignatureInputs = 0, SignatureOutputs = 1, SignatureKey = 2, SignatureSubgraph = 4;
    private const int MapName = 0, MapTensor = 1;
    private const int MetadataName = 0, MetadataBuffer = 1;

    /// <summary>Whether the bytes carry the TFLite file identifier (<c>TFL3</c> at byte 4).</summary>
    public static bool IsTflite(ReadOnlySpan<byte> head) => head.Length >= 8 && head.Slice(4, 4).SequenceEqual("TFL3"u8);

    public static TfliteModel Read(byte[] bytes, string fileName)
    {
        if (!IsTflite(bytes)) ThrowHelper.ModelFormat($"{fileName}: not a TensorFlow Lite file (no TFL3 identifier at byte 4)");
        var file = new FlatBufferView(bytes, fileName);
        var root = file.Root("model");
        var version = root.UInt(ModelVersion);
        if (version != 3) file.Fail($"model.version is {version}; this reader follows schema version 3");

        var buffers = ReadBuffers(file, root);
        var codes = root.Tables(ModelOperatorCodes, "model.operator_codes", i => $"operator_codes[{i}]").Select(ReadCode).ToArray();
        var subgraphTables = root.Tables(ModelSubgraphs, "model.subgraphs", i => $"subgraphs[{i}]");
        if (subgraphTables.Length == 0) file.Fail("model.subgraphs is empty: the model has no graph");
        var subgraphs = subgraphTables.Select((t, i) => ReadSubgraph(file, t, i, codes, buffers)).ToArray();
        CheckSubgraphCalls(file, subgraphs);

        var signatures = root.Tables(ModelSignatures, "model.signature_defs", i => $"signature_defs[{i}]")
            .Select((t, i) => ReadSignature(file, t, i, subgraphs)).ToArray();
        var metadata = root.Tables(ModelMetadata, "model.metadata", i => $"metadata[{i}]")
            .Select((t, i) => new KeyValuePair<string, int>(t.String(MetadataName, $"metadata[{i}].name") ?? "", (int)Math.Min(t.UInt(MetadataBuffer), int.MaxValue)))
            .ToArray();
        return new TfliteModel(version, codes, subgraphs, buffers, root.String(ModelDescription, "model.description"), signatures, metadata);
    }

    private static ReadOnlyMemory<byte>[] ReadBuffers(FlatBufferView file, FbTable root)
    {
        var tables = root.Tables(ModelBuffers, "model.buffers", i => $"buffers[{i}]");
        var buffers = new ReadOnlyMemory<byte>[tables.Length];
        for (var i = 0; i < tables.Length; i++)
        {
            var t = tables[i];
            var offset = t.ULong(BufferOffset);
            if (offset > 1)
            {
                // Models over 2 GB keep buffers after the FlatBuffer: offset and size are relative to the file start.
                var size = t.ULong(BufferSize);
                if (offset > (ulong)file.Length || size > (ulong)file.Length - offset)
                    file.Fail($"buffers[{i}]: offset {offset} + size {size} lies past the end of the file ({file.Length} bytes)");
                buffers[i] = new ReadOnlyMemory<byte>(file.Bytes, (int)offset, (int)size);
            }
            else buffers[i] = t.Bytes(BufferData, $"buffers[{i}].data");
        }
        return buffers;
    }

    private static TfliteOperatorCode ReadCode(FbTable t, int index)
    {
        // Old files set only deprecated_builtin_code (a byte); new ones set builtin_code, and keep the deprecated one at
        // PLACEHOLDER_FOR_GREATER_OP_CODES (127) for codes past it: the larger of the two is the operator.
        var deprecated = t.SByte(CodeDeprecated);
        var builtin = t.Int(CodeBuiltin);
        var code = Math.Max(deprecated, builtin);
        if (code < 0) t.File.Fail($"operator_codes[{index}]: builtin code {code} is negative");
        return new TfliteOperatorCode((BuiltinOperator)code, t.String(CodeCustom, $"operator_codes[{index}].custom_code"), t.Int(CodeVersion, 1));
    }

    private static TfliteSubgraph ReadSubgraph(FlatBufferView file, FbTable t, int index, TfliteOperatorCode[] codes, ReadOnlyMemory<byte>[] buffers)
    {
        var where = $"subgraphs[{index}]";
        var tensors = t.Tables(SubgraphTensors, $"{where}.tensors", i => $"{where}.tensors[{i}]")
            .Select((tt, i) => ReadTensor(file, tt, $"{where}.tensors[{i}]", i, buffers)).ToArray();
        var inputs = CheckedIndices(file, t.Ints(SubgraphInputs, $"{where}.inputs"), tensors.Length, $"{where}.inputs", allowOptional: false);
        var outputs = CheckedIndices(file, t.Ints(SubgraphOutputs, $"{where}.outputs"), tensors.Length, $"{where}.outputs", allowOptional: false);
        var operators = t.Tables(SubgraphOperators, $"{where}.operators", i => $"{where}.operators[{i}]")
            .Select((ot, i) => ReadOperator(file, ot, $"{where}.operators[{i}]", i, codes, tensors.Length)).ToArray();
        return new TfliteSubgraph(index, t.String(SubgraphName, $"{where}.name") ?? "", tensors, inputs, outputs, operators);
    }

    private static int[] CheckedIndices(FlatBufferView file, int[] indices, int count, string what, bool allowOptional)
    {
        foreach (var i in indices)
        {
            if (i == -1 && allowOptional) continue;
            if (i < 0 || i >= count) file.Fail($"{what}: tensor index {i} is out of range (the subgraph has {count} tensors)");
        }
        return indices;
    }

    private static TfliteTensor ReadTensor(FlatBufferView file, FbTable t, string where, int index, ReadOnlyMemory<byte>[] buffers)
    {
        var name = t.String(TensorName, $"{where}.name") ?? $"tensor_{index}";
        where = $"{where} '{name}'";
        var shape = t.Ints(TensorShape, $"{where}.shape");
        foreach (var d in shape)
            if (d < 0) file.Fail($"{where}.shape has a negative dimension {d}");
        long elements = 1;
        foreach (var d in shape)
        {
            elements *= d;
            if (elements > int.MaxValue) file.Fail($"{where}.shape [{string.Join(",", shape)}] has more than 2^31 elements");
        }
        var typeCode = t.SByte(TensorType);
        if (typeCode < 0 || !Enum.IsDefined((TfliteTensorType)typeCode)) file.Fail($"{where}.type {typeCode} is not a TFLite tensor type");
        var type = (TfliteTensorType)typeCode;
        var buffer = t.UInt(TensorBuffer);
        if (buffer >= buffers.Length) file.Fail($"{where}.buffer {buffer} is out of range (the model has {buffers.Length} buffers)");
        var sparsityTable = t.Table(TensorSparsity, $"{where}.sparsity");
        var sparsity = sparsityTable is { } s ? ReadSparsity(file, s, $"{where}.sparsity") : null;
        var data = buffers[buffer];
        if (data.Length > 0 && sparsity is null && ElementSize(type) is var size and > 0 && data.Length != elements * size)
            file.Fail($"{where}: buffer {buffer} holds {data.Length} bytes but {type}[{string.Join(",", shape)}] needs {elements * size}");
        var quantTable = t.Table(TensorQuantization, $"{where}.quantization");
        var quantization = quantTable is { } q ? ReadQuantization(file, q, where, shape) : null;
        var signature = t.Has(TensorShapeSignature) ? t.Ints(TensorShapeSignature, $"{where}.shape_signature") : null;
        if (signature is not null && (signature.Length != shape.Length || signature.Any(d => d < -1)))
            file.Fail($"{where}.shape_signature [{string.Join(",", signature)}] does not match shape [{string.Join(",", shape)}]");
        return new TfliteTensor(index, name, type, shape, signature, (int)buffer, quantization, t.Bool(TensorIsVariable), sparsity);
    }

    private static TfliteQuantization? ReadQuantization(FlatBufferView file, FbTable q, string where, int[] shape)
    {
        if (q.Byte(QuantDetailsType) != 0) file.Fail($"{where}.quantization uses custom quantization details, which no converter can read");
        var scale = q.Floats(QuantScale, $"{where}.quantization.scale");
        var zeroPoint = q.Longs(QuantZeroPoint, $"{where}.quantization.zero_point");
        if (scale.Length == 0) return null; // min/max only (float tensors keep them for re-import)
        if (zeroPoint.Length == 0) zeroPoint = new long[scale.Length];
        var axis = q.Int(QuantAxis);
        if (zeroPoint.Length != scale.Length)
            file.Fail($"{where}.quantization has {scale.Length} scales but {zeroPoint.Length} zero points");
        // Old converters wrote the filter's quantized_dimension (3) on rank-1 biases too; TFLite never reads it there.
        if (scale.Length > 1 && shape.Length == 1 && shape[0] == scale.Length) axis = 0;
        if (scale.Length > 1 && (axis < 0 || axis >= shape.Length || shape[axis] != scale.Length))
            file.Fail($"{where}.quantization has {scale.Length} scales along dimension {axis} of shape [{string.Join(",", shape)}]");
        foreach (var s in scale)
            if (!float.IsFinite(s) || s < 0) file.Fail($"{where}.quantization.scale {s} is not a finite non-negative number");
        return new TfliteQuantization(scale, zeroPoint, axis);
    }

    private static TfliteSparsity ReadSparsity(FlatBufferView file, FbTable s, string where)
    {
        var order = s.Ints(SparsityOrder, $"{where}.traversal_order");
        var blockMap = s.Ints(SparsityBlockMap, $"{where}.block_map");
        var dims = s.Tables(SparsityDims, $"{where}.dim_metadata", i => $"{where}.dim_metadata[{i}]").Select((d, i) =>
        {
            var at = $"{where}.dim_metadata[{i}]";
            var sparse = d.Byte(DimFormat) == 1;
            return sparse
                ? new TfliteDimension(true, 0, IndexVector(file, d, DimSegmentsType, DimSegments, $"{at}.array_segments"), IndexVector(file, d, DimIndicesType, DimIndices, $"{at}.array_indices"))
                : new TfliteDimension(false, d.Int(DimDenseSize), [], []);
        }).ToArray();
        if (dims.Length != order.Length) file.Fail($"{where}: {dims.Length} dim_metadata entries for a traversal order of {order.Length}");
        return new TfliteSparsity(order, blockMap, dims);
    }

    /// <summary>A SparseIndexVector union: Int32Vector (1), Uint16Vector (2) or Uint8Vector (3), each with one <c>values</c> field.</summary>
    private static int[] IndexVector(FlatBufferView file, FbTable d, int typeSlot, int valueSlot, string what)
    {
        var kind = d.Byte(typeSlot);
        var table = d.Table(valueSlot, what) ?? file.Fail<FbTable>($"{what} is missing");
        return kind switch
        {
            1 => table.Ints(0, what),
            2 => table.UShorts(0, what).Select(v => (int)v).ToArray(),
            3 => table.Bytes(0, what).ToArray().Select(v => (int)v).ToArray(),
            _ => file.Fail<int[]>($"{what} has an unknown index vector type {kind}"),
        };
    }

    private static TfliteOperator ReadOperator(FlatBufferView file, FbTable t, string where, int index, TfliteOperatorCode[] codes, int tensorCount)
    {
        var opcode = t.UInt(OpOpcode);
        if (opcode >= codes.Length) file.Fail($"{where}.opcode_index {opcode} is out of range (the model has {codes.Length} operator codes)");
        var code = codes[opcode];
        where = $"{where} ({code.Name})";
        var inputs = CheckedIndices(file, t.Ints(OpInputs, $"{where}.inputs"), tensorCount, $"{where}.inputs", allowOptional: true);
        var outputs = CheckedIndices(file, t.Ints(OpOutputs, $"{where}.outputs"), tensorCount, $"{where}.outputs", allowOptional: false);
        var optionsType = t.Byte(OpOptionsType);
        var options = optionsType == 0 ? null : t.Table(OpOptions, $"{where}.builtin_options");
        var custom = t.Bytes(OpCustomOptions, $"{where}.custom_options");
        var largeOffset = t.ULong(OpLargeCustomOffset);
        if (largeOffset > 1)
        {
            var size = t.ULong(OpLargeCustomSize);
            if (largeOffset > (ulong)file.Length || size > (ulong)file.Length - largeOffset)
                file.Fail($"{where}: custom options at offset {largeOffset} + {size} lie past the end of the file");
            custom = new ReadOnlyMemory<byte>(file.Bytes, (int)largeOffset, (int)size);
        }
        return new TfliteOperator(index, code, inputs, outputs, optionsType, options, custom);
    }

    private static TfliteSignature ReadSignature(FlatBufferView file, FbTable t, int index, TfliteSubgraph[] subgraphs)
    {
        var where = $"signature_defs[{index}]";
        var subgraph = t.UInt(SignatureSubgraph);
        if (subgraph >= subgraphs.Length) file.Fail($"{where}.subgraph_index {subgraph} is out of range (the model has {subgraphs.Length} subgraphs)");
        var tensors = subgraphs[subgraph].Tensors.Count;
        (string, int) Map(FbTable m, string what)
        {
            var tensor = m.UInt(MapTensor);
            if (tensor >= tensors) file.Fail($"{what}.tensor_index {tensor} is out of range (subgraph {subgraph} has {tensors} tensors)");
            return (m.String(MapName, $"{what}.name") ?? "", (int)tensor);
        }
        var inputs = t.Tables(SignatureInputs, $"{where}.inputs", i => $"{where}.inputs[{i}]").Select((m, i) => Map(m, $"{where}.inputs[{i}]")).ToArray();
        var outputs = t.Tables(SignatureOutputs, $"{where}.outputs", i => $"{where}.outputs[{i}]").Select((m, i) => Map(m, $"{where}.outputs[{i}]")).ToArray();
        return new TfliteSignature(t.String(SignatureKey, $"{where}.signature_key") ?? "", (int)subgraph, inputs, outputs);
    }

    /// <summary>The subgraphs an operator runs (IF, WHILE, CALL, CALL_ONCE), read from its options.</summary>
    public static IEnumerable<int> CalledSubgraphs(TfliteOperator op)
    {
        if (op.Options is not { } o) yield break;
        switch (op.Code.Builtin)
        {
            case BuiltinOperator.IF or BuiltinOperator.WHILE:
                yield return o.Int(0);
                yield return o.Int(1);
                break;
            case BuiltinOperator.CALL_ONCE:
                yield return o.Int(0);
                break;
            case BuiltinOperator.CALL:
                yield return (int)Math.Min(o.UInt(0), int.MaxValue);
                break;
        }
    }

    /// <summary>Called subgraphs must exist, and no subgraph may reach itself (TFLite's interpreter recursed forever on that).</summary>
    private static void CheckSubgraphCalls(FlatBufferView file, TfliteSubgraph[] subgraphs)
    {
        var calls = new List<int>[subgraphs.Length];
        foreach (var g in subgraphs)
        {
            calls[g.Index] = [];
            foreach (var op in g.Operators)
                foreach (var callee in CalledSubgraphs(op))
                {
                    if (callee < 0 || callee >= subgraphs.Length)
                        file.Fail($"subgraphs[{g.Index}].operators[{op.Index}] ({op.Code.Name}) calls subgraph {callee}, which does not exist (the model has {subgraphs.Length})");
                    calls[g.Index].Add(callee);
                }
        }
        var state = new byte[subgraphs.Length]; // 0 unvisited, 1 on the stack, 2 done
        var stack = new Stack<(int Graph, int Next)>();
        for (var start = 0; start < subgraphs.Length; start++)
        {
            if (state[start] != 0) continue;
            stack.Push((start, 0));
            state[start] = 1;
            while (stack.Count > 0)
            {
                var (g, next) = stack.Pop();
                if (next < calls[g].Count)
                {
                    stack.Push((g, next + 1));
                    var callee = calls[g][next];
                    if (state[callee] == 1)
                        file.Fail(callee == g ? $"subgraphs[{g}] calls itself" : $"subgraphs[{callee}] calls itself through subgraph {g}");
                    if (state[callee] == 0)
                    {
                        state[callee] = 1;
                        stack.Push((callee, 0));
                    }
                }
                else state[g] = 2;
            }
        }
    }

    /// <summary>Bytes per element of the fixed-size types; 0 for strings, resources, variants and packed INT4.</summary>
    public static int ElementSize(TfliteTensorType type) => type switch
    {
        TfliteTensorType.FLOAT32 or TfliteTensorType.INT32 or TfliteTensorType.UINT32 => 4,
        TfliteTensorType.FLOAT16 or TfliteTensorType.INT16 or TfliteTensorType.UINT16 or TfliteTensorType.BFLOAT16 => 2,
        TfliteTensorType.UINT8 or TfliteTensorType.INT8 or TfliteTensorType.BOOL => 1,
        TfliteTensorType.INT64 or TfliteTensorType.FLOAT64 or TfliteTensorType.UINT64 or TfliteTensorType.COMPLEX64 => 8,
        TfliteTensorType.COMPLEX128 => 16,
        _ => 0,
    };
}
