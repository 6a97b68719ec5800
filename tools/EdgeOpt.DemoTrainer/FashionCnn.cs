using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeOpt.DemoTrainer;

/// <summary>
/// The demo CNN: three Conv3x3(pad 1)+BatchNorm+Relu+MaxPool2 blocks (1→16→32→64 channels, 28→14→7→3),
/// Flatten, Gemm(576→128)+Relu, Gemm(128→10). Field names are the weight names in the state dict.
/// </summary>
internal sealed class FashionCnn : nn.Module<Tensor, Tensor>
{
    public static readonly int[] Channels = [16, 32, 64];
    public const int Hidden = 128;
    public const int Classes = 10;
    public const double BnEpsilon = 1e-5;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public FashionCnn() : base(nameof(FashionCnn))
    {
        conv1 = nn.Conv2d(1, Channels[0], 3, padding: 1);
        bn1 = nn.BatchNorm2d(Channels[0], eps: BnEpsilon);
        conv2 = nn.Conv2d(Channels[0], Channels[1], 3, padding: 1);
        bn2 = nn.BatchNorm2d(Channels[1], eps: BnEpsilon);
        conv3 = nn.Conv2d(Channels[1], Channels[2], 3, padding: 1);
        bn3 = nn.BatchNorm2d(Channels[2], eps: BnEpsilon);
        fc1 = nn.Linear(Channels[2] * 3 * 3, Hidden);
        fc2 = nn.Linear(Hidden, Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.max_pool2d(nn.functional.relu(bn1.call(conv1.call(input))), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(bn2.call(conv2.call(x))), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(bn3.call(conv3.call(x))), 2);
        x = x.flatten(1);
        x = nn.functional.relu(fc1.call(x));
        return fc2.call(x).MoveToOuterDisposeScope();
    }
}
