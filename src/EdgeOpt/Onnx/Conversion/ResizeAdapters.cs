namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// Upsample and Resize: Upsample's scales became an input at 9 and Upsample became Resize at 10 (same inputs and
/// meaning). Resize 11 added roi and sizes inputs and coordinate modes: Resize 10 is the "asymmetric" mode with
/// nearest rounding down (floor), so upgrading states those explicitly. 13 made roi and scales optional and dropped
/// tf_half_pixel_for_nn (rewritten as half_pixel with a shifted rounding); 18 added antialias, axes and keep_aspect_ratio_policy; 19 half_pixel_symmetric.
/// </summary>
internal static class ResizeAdapters
{
    private const string Mode = "coordinate_transformation_mode";

    public static IEnumerable<OpAdapter> All()
    {
        yield return new RefusedUpsampleScales();
        yield return new AttributeToInputAdapter("Upsample", 9, new AttributeInput("scales", 1, InputForm.Floats));
        yield return new RenameAdapter("Upsample", "Resize", 10);
        yield return new Resize11();
        yield return new Resize13();
        yield return new NewAttributeAdapter("Resize", 18, "antialias", NewAttributeAdapter.Int(0));
        yield return new NewAttributeAdapter("Resize", 18, "keep_aspect_ratio_policy", NewAttributeAdapter.Text("stretch"));
        yield return new NewAttributeAdapter("Resize", 18, "axes", _ => false);
        yield return new ModeAdded("half_pixel_symmetric", 19);
    }

    /// <summary>Upsample before 7 was experimental (height_scale/width_scale).</summary>
    private sealed class RefusedUpsampleScales() : OpAdapter("Upsample", 7)
    {
        public override bool Upgrade(Node node, ConversionContext context)
        {
            if (node.Attributes.Contains("height_scale") || node.Attributes.Contains("width_scale"))
                context.Refuse(node, "the experimental Upsample-1 (height_scale/width_scale) is not converted");
            return false;
        }

        public override bool Downgrade(Node node, ConversionContext context) => false;
    }

    private sealed class Resize11() : OpAdapter("Resize", 11)
    {
        public override bool Upgrade(Node node, ConversionContext context)
        {
            var scales = ConversionContext.InputAt(node, 1);
            ConversionContext.SetInputAt(node, 1, context.AddConstant(node, "roi", Tensor.Create<float>("roi", [], 0)));
            ConversionContext.SetInputAt(node, 2, scales);
            node.Attributes.Set(Mode, "asymmetric");
            if (node.Attributes.GetString("mode", "nearest") == "nearest") node.Attributes.Set("nearest_mode", "floor");
            return true;
        }

        public override bool Downgrade(Node node, ConversionContext context)
        {
            var mode = node.Attributes.GetString("mode", "nearest");
            if (mode is not ("nearest" or "linear")) context.Refuse(node, $"mode '{mode}' has no equivalent before opset 11");
            if (node.Attributes.GetString(Mode, "half_pixel") != "asymmetric")
                context.Refuse(node, $"{Mode} '{node.Attributes.GetString(Mode, "half_pixel")}' has no equivalent before opset 11 (only 'asymmetric')");
            if (mode == "nearest" && node.Attributes.GetString("nearest_mode", "round_prefer_floor") != "floor")
                context.Refuse(node, $"nearest_mode '{node.Attributes.GetString("nearest_mode", "round_prefer_floor")}' has no equivalent before opset 11 (only 'floor')");
            if (ConversionContext.InputAt(node, 3) is { } sizes)
                context.Refuse(node, $"input 'sizes' ('{sizes.Name}') has no equivalent before opset 11");
            if (node.Attributes.GetInt("exclude_outside", 0) != 0) context.Refuse(node, "exclude_outside=1 has no equivalent before opset 11");
            foreach (var name in new[] { Mode, "nearest_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value" })
                node.Attributes.Remove(name);
            var scales = ConversionContext.InputAt(node, 2);
            context.DetachInput(node, 1);
            node.TruncateInputs(1);
            node.AddInput(scales);
            return true;
        }
    }

    private sealed class Resize13() : OpAdapter("Resize", 13)
    {
        public override bool Upgrade(Node node, ConversionContext context)
        {
            if (node.Attributes.GetString(Mode) != "tf_half_pixel_for_nn") return false;
            // tf_half_pixel_for_nn samples at t = (x + 0.5) / scale = half_pixel's h + 0.5, so rounding t equals a
            // shifted rounding of h: round_prefer_floor(t) = ceil(h) and floor(t) = round_prefer_ceil(h).
            var nearest = node.Attributes.GetString("nearest_mode", "round_prefer_floor");
            var shifted = nearest switch
            {
                "round_prefer_floor" => "ceil",
                "floor" => "round_prefer_ceil",
                _ => null,
            };
            if (shifted is null)
                context.Refuse(node, $"{Mode} 'tf_half_pixel_for_nn' with nearest_mode '{nearest}' was removed in opset 13 and has no equivalent");
            node.Attributes.Set(Mode, "half_pixel");
            node.Attributes.Set("nearest_mode", shifted!);
            return true;
        }

        public override bool Downgrade(Node node, ConversionContext context)
        {
            var changed = false;
            // Before 13 roi and scales are required inputs; an empty tensor means "not given".
            for (var i = 1; i <= 2; i++)
            {
                if (ConversionContext.InputAt(node, i) is not null) continue;
                ConversionContext.SetInputAt(node, i, context.AddConstant(node, i == 1 ? "roi" : "scales", Tensor.Create<float>("empty", [], 0)));
                changed = true;
            }
            return changed;
        }
    }

    private sealed class ModeAdded(string mode, int version) : OpAdapter("Resize", version)
    {
        public override bool Upgrade(Node node, ConversionContext context) => false;

        public override bool Downgrade(Node node, ConversionContext context)
        {
            if (node.Attributes.GetString(Mode) == mode) context.Refuse(node, $"{Mode} '{mode}' has no equivalent before opset {Version}");
            return false;
        }
    }
}
