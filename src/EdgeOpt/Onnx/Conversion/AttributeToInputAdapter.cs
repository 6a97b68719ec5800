namespace EdgeOpt.Onnx.Conversion;

/// <summary>How an attribute's value is carried once it becomes an input.</summary>
internal enum InputForm
{
    /// <summary>ints → 1-D int64 (Slice starts, Squeeze axes, Split split, Reduce axes, Pad pads, Reshape shape).</summary>
    Int64s,

    /// <summary>int → 1-D int64 of one element (TopK k).</summary>
    Int64Vector,

    /// <summary>int → int64 scalar (DFT axis).</summary>
    Int64Scalar,

    /// <summary>float → float scalar (Dropout ratio).</summary>
    FloatScalar,

    /// <summary>floats → 1-D float (Upsample scales).</summary>
    Floats,

    /// <summary>float → scalar of the data input's element type (Clip min/max, Pad constant value).</summary>
    DataTypedScalar,
}

/// <summary>One attribute that became input <paramref name="Index"/>; <paramref name="Default"/> fills it when the attribute is absent (null: omit).</summary>
internal sealed record AttributeInput(string Attribute, int Index, InputForm Form, object? Default = null, object? DefaultAfter = null);

/// <summary>
/// Attributes that became inputs at <see cref="OpAdapter.Version"/>. Upgrading turns each attribute into a constant
/// input; downgrading needs each input to be a constant (an initializer or a Constant node) and folds it back.
/// </summary>
internal sealed class AttributeToInputAdapter(string op, int version, params AttributeInput[] inputs) : OpAdapter(op, version)
{
    public override bool Upgrade(Node node, ConversionContext context)
    {
        var changed = false;
        foreach (var spec in inputs)
        {
            var attribute = node.Attributes[spec.Attribute];
            var value = attribute?.Value ?? spec.Default;
            if (value is null) continue;
            ConversionContext.SetInputAt(node, spec.Index, Constant(node, context, spec, value, attribute?.Kind));
            node.Attributes.Remove(spec.Attribute);
            changed = true;
        }
        return changed;
    }

    public override bool Downgrade(Node node, ConversionContext context)
    {
        var changed = false;
        foreach (var spec in inputs)
        {
            if (ConversionContext.InputAt(node, spec.Index) is not { } input)
            {
                if (spec.DefaultAfter is { } d) node.Attributes.Set(spec.Attribute, d);
                changed |= spec.DefaultAfter is not null;
                continue;
            }
            if (ConversionContext.ConstantOf(input) is not { } t)
            {
                context.Refuse(node, $"input '{input.Name}' is computed at run time, but before opset {Version} it must be the constant attribute '{spec.Attribute}'");
                return false;
            }
            var scalar = spec.Form is not (InputForm.Int64s or InputForm.Floats);
            node.Attributes.Set(spec.Attribute, AttributeValue(spec.Form, context.NumericConstant(node, input, t, spec.Attribute, scalar ? 1 : 0)));
            context.DetachInput(node, spec.Index);
            changed = true;
        }
        ConversionContext.TrimTrailingEmptyInputs(node);
        return changed;
    }

    private static Value Constant(Node node, ConversionContext context, AttributeInput spec, object value, AttributeKind? kind)
    {
        // The attribute's kind is checked against the form: a node with, say, float 'axes' is malformed, not converted.
        T Expect<T>(AttributeKind expected) => value is T v ? v
            : context.Malformed<T>(node, $"attribute '{spec.Attribute}' is {ConversionContext.KindName(kind)}; {node.OpType} needs {ConversionContext.KindName(expected)}");
        return spec.Form switch
        {
            InputForm.Int64s => context.Int64s(node, spec.Attribute, Expect<long[]>(AttributeKind.Ints)),
            InputForm.Int64Vector => context.Int64s(node, spec.Attribute, [Expect<long>(AttributeKind.Int)]),
            InputForm.Int64Scalar => context.AddConstant(node, spec.Attribute, Tensor.Scalar(spec.Attribute, Expect<long>(AttributeKind.Int))),
            InputForm.FloatScalar => context.AddConstant(node, spec.Attribute, Tensor.Scalar(spec.Attribute, Expect<float>(AttributeKind.Float))),
            InputForm.Floats => context.AddConstant(node, spec.Attribute, Tensor.Create<float>(spec.Attribute, Expect<float[]>(AttributeKind.Floats), Expect<float[]>(AttributeKind.Floats).Length)),
            _ => context.Scalar(node, spec.Attribute, context.RequireElementType(node, context.Input(node, 0)), Expect<float>(AttributeKind.Float)),
        };
    }


    private static object AttributeValue(InputForm form, Tensor t) => form switch
    {
        InputForm.Int64s => t.ToInt64Array(),
        InputForm.Int64Vector or InputForm.Int64Scalar => t.ToInt64Array()[0],
        InputForm.Floats => t.ToSingleArray(),
        _ => (float)TensorFactory.SingleValue(t),
    };
}
