import pytest
import torch
import torch.nn.functional as F

from mmhsnet.models.backbones.litehrnet import ShuffleUnit
from mmhsnet.models.layers import (ConditionalChannelWeighting, CrossResolutionWeighting,
                                   SpatialWeighting)
from mmhsnet.models.layers.channel_weighting import (cat_shuffle, channel_shuffle, pool_to,
                                                     with_upsampled)
from mmhsnet.testing import randomize_norms
from mmhsnet.utils.cnn import checkpoint_forward


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def test_cat_shuffle_is_cat_then_channel_shuffle():
    from mmpose.models.backbones.utils import channel_shuffle as mmpose_shuffle
    a, b = torch.rand(2, 6, 5, 3), torch.rand(2, 6, 5, 3)
    expected = mmpose_shuffle(torch.cat((a, b), dim=1), 2)
    assert torch.equal(cat_shuffle(a, b), expected)
    assert torch.equal(channel_shuffle(torch.cat((a, b), dim=1), 2), expected)
    assert torch.equal(channel_shuffle(torch.arange(6.).view(1, 6, 1, 1), 3).flatten(),
                       torch.tensor([0., 2., 4., 1., 3., 5.]))


@pytest.mark.parametrize('size,factor', [((64, 48), 8), ((32, 24), 4), ((63, 48), 8),
                                         ((17, 13), 2)])
def test_pool_to_equals_adaptive_pooling(size, factor):
    # 63×48 and 17×13 are not multiples: the adaptive (reference) definition applies
    x = torch.rand(2, 3, *size)
    target = (-(-size[0] // factor), -(-size[1] // factor))
    torch.testing.assert_close(pool_to(x, target, factor), F.adaptive_avg_pool2d(x, target))


@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('op', [torch.mul, torch.add, torch.Tensor.add_])
@pytest.mark.parametrize('size,factor', [((64, 48), 8), ((32, 24), 2), ((63, 48), 8),
                                         ((17, 13), 2), ((8, 6), 1)])
def test_with_upsampled_equals_nearest_interpolation(op, size, factor, channels_last):
    x = torch.rand(2, 6, *size)[:, 3:]  # a channel chunk, as the blocks pass it
    if channels_last:
        x = torch.rand(2, 6, *size).contiguous(memory_format=torch.channels_last)[:, 3:]
    small = torch.rand(2, 3, -(-size[0] // factor), -(-size[1] // factor))
    expected = op(x.clone(), F.interpolate(small, size=size, mode='nearest'))
    out = with_upsampled(op, x, small, factor)
    assert torch.equal(out, expected)
    if op is torch.Tensor.add_:
        assert torch.equal(x, expected)


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::torch.jit.TracerWarning")
def test_tracing_needs_multiples():
    """Traced, the pooling kernels are static; a size that does not divide fails loudly."""
    layer = CrossResolutionWeighting([4, 8], ratio=2).eval()
    with torch.no_grad():
        torch.jit.trace(layer, ([torch.rand(1, 4, 16, 12), torch.rand(1, 8, 8, 6)], ))
        with pytest.raises(RuntimeError, match='Sizes of tensors must match'):
            torch.jit.trace(layer, ([torch.rand(1, 4, 15, 12), torch.rand(1, 8, 8, 6)], ))


def test_spatial_weighting_scales_channels():
    layer = SpatialWeighting(8).eval()
    assert layer.conv1.conv.out_channels == 2 and layer.conv1.norm_cfg is None
    x = torch.rand(2, 8, 5, 7)
    with torch.no_grad():
        weight = layer.conv2(layer.conv1(x.mean((2, 3), keepdim=True)))
        assert torch.equal(layer(x), x * weight)
    assert ((weight > 0) & (weight < 1)).all()


@pytest.mark.parametrize('sizes', [[(64, 48), (32, 24), (16, 12), (8, 6)],
                                   [(63, 48), (32, 24), (16, 12), (8, 6)]])
def test_layers_equal_mmpose(sizes):
    """Same state dict, same outputs; also at sizes that are not exact multiples."""
    from mmpose.models.backbones import litehrnet as ref
    channels = [40, 80, 160, 320]
    xs = [torch.rand(2, c, *s) for c, s in zip(channels, sizes)]
    half = [x[:, :c // 2] for x, c in zip(xs, channels)]
    pairs = [
        (CrossResolutionWeighting([c // 2 for c in channels], ratio=8),
         ref.CrossResolutionWeighting([c // 2 for c in channels], ratio=8,
                                      norm_cfg=dict(type='BN')), half),
        (ConditionalChannelWeighting(channels, reduce_ratio=8),
         ref.ConditionalChannelWeighting(channels, stride=1, reduce_ratio=8), xs),
    ]
    for ours, theirs, inputs in pairs:
        randomize_norms(theirs).eval()
        ours.load_state_dict(theirs.state_dict(), strict=True)
        ours.eval()
        with torch.no_grad():
            for a, b in zip(ours(inputs), theirs(list(inputs))):
                torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    sw, sw_ref = SpatialWeighting(40), ref.SpatialWeighting(40, ratio=4)
    sw.load_state_dict(sw_ref.state_dict(), strict=True)
    torch.testing.assert_close(sw(xs[0]), sw_ref(xs[0]), rtol=0, atol=1e-6)


def test_conditional_channel_weighting_is_cheaper_than_shuffle_units():
    """The paper's point: the weightings replace the shuffle units' costly 1×1 convs."""
    from mmengine.analysis import FlopAnalyzer
    channels = [40, 80, 160, 320]
    xs = [torch.rand(1, c, 64 // 2**i, 48 // 2**i) for i, c in enumerate(channels)]
    ccw = ConditionalChannelWeighting(channels, reduce_ratio=8).eval()
    units = [ShuffleUnit(c).eval() for c in channels]
    with torch.no_grad():
        outs = ccw(xs)
        ccw_flops = FlopAnalyzer(ccw, (xs, )).unsupported_ops_warnings(False).total()
        unit_flops = sum(
            FlopAnalyzer(u, (x, )).unsupported_ops_warnings(False).total()
            for u, x in zip(units, xs))
    assert [o.shape for o in outs] == [x.shape for x in xs]
    assert ccw_flops < unit_flops / 4  # 2.5 M vs 11.6 M at 256×192
    assert num_params(ccw) < sum(num_params(u) for u in units)


def test_conditional_channel_weighting_needs_even_channels():
    with pytest.raises(ValueError, match=r'in_channels must be even, got \(40, 81\)'):
        ConditionalChannelWeighting([40, 81], reduce_ratio=8)


def test_checkpoint_forward_same_gradients_and_norm_stats():
    torch.manual_seed(0)
    blocks = [ConditionalChannelWeighting([8, 16], reduce_ratio=4, with_cp=cp) for cp in (0, 1)]
    blocks[1].load_state_dict(blocks[0].state_dict())
    xs = [torch.rand(2, 8, 8, 8), torch.rand(2, 16, 4, 4)]
    calls = []
    blocks[1].depthwise_convs[0].register_forward_hook(lambda *_: calls.append(1))
    grads = []
    for block in blocks:
        block.train()
        outs = block(xs)  # inputs without grad: parameters still get gradients
        sum((o**2).sum() for o in outs).backward()
        grads.append({n: p.grad for n, p in block.named_parameters()})
    assert len(calls) == 2  # forward, and the recomputation in backward
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, rtol=1e-5, atol=1e-7)
    state = blocks[1].state_dict()
    for key, value in blocks[0].state_dict().items():  # running stats updated once
        torch.testing.assert_close(state[key], value)


def test_checkpoint_forward_is_plain_in_eval():
    block = ShuffleUnit(8, with_cp=True).eval()
    x = torch.rand(1, 8, 4, 4)
    assert torch.equal(checkpoint_forward(block, block._forward, x), block(x))
