import copy
import math
import zlib

import pytest
import torch

from mmhsnet.apis import switch_to_deploy
from mmhsnet.models import HSResNet
from mmhsnet.models.backbones.hsresnet import HSBottleneck
from mmhsnet.models.layers import HierarchicalSplit
from mmhsnet.testing.models import randomize_norms

# Input sizes that are not multiples of 32.
H, W = 67, 93


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def expected_shapes(out_indices, dilated, h=H, w=W):
    """Every downsampling (stem conv, max pool, avd pool, shortcut pool) rounds up."""
    sizes, strides = [], (1, 2, 1, 1) if dilated else (1, 2, 2, 2)
    h, w = math.ceil(h / 4), math.ceil(w / 4)
    for s in strides:
        h, w = math.ceil(h / s), math.ceil(w / s)
        sizes.append((h, w))
    return [(1, 256 * 2**i, *sizes[i]) for i in out_indices]


@pytest.fixture(scope='module')
def hsr50():
    return HSResNet(depth=50).eval()


@pytest.mark.parametrize('out_indices', [(0, ), (1, ), (2, ), (3, ), (0, 1, 2, 3), (1, 3)])
def test_output_shapes_stride32(hsr50, out_indices):
    hsr50.out_indices = out_indices
    with torch.no_grad():
        outs = hsr50(torch.rand(1, 3, H, W))
    hsr50.out_indices = (0, 1, 2, 3)
    assert isinstance(outs, tuple)
    assert [tuple(o.shape) for o in outs] == expected_shapes(out_indices, dilated=False)


@pytest.mark.parametrize('out_indices', [(0, 1, 2, 3), (3, ), (1, 2)])
def test_output_shapes_dilated_d8(out_indices):
    """mmseg's -d8 backbone settings."""
    model = HSResNet(
        depth=50,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        contract_dilation=True,
        out_indices=out_indices).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, H, W))
    assert [tuple(o.shape) for o in outs] == expected_shapes(out_indices, dilated=True)
    # contract_dilation: the first block of a dilated stage uses half the dilation
    assert model.layer3[0].conv2.convs[0].conv.dilation == (1, 1)
    assert model.layer3[1].conv2.convs[0].conv.dilation == (2, 2)
    assert model.layer4[0].conv2.convs[0].conv.dilation == (2, 2)
    assert model.layer4[2].conv2.convs[0].conv.dilation == (4, 4)
    assert model.layer3[0].avd_layer is None  # stride 1: no pooling


# Fused form against the reference path, max |difference| / max |reference| per output: measured
# 4.0e-7 to 6.0e-7 over the 6 cases below (this CPU, 1 and 2 threads; 3.4e-7 to 5.5e-7 with seeds
# 1 and 2 instead of 0); about 3.5x the worst.
FUSED_RTOL = 2e-6


@pytest.mark.parametrize('channel_multiple,split_x', [(1, False), (8, False), (8, True)])
@pytest.mark.parametrize('dilated', [False, True])
def test_deploy_path_keeps_the_outputs(channel_multiple, split_x, dilated):
    """mmhsnet.apis.switch_to_deploy (tools' --deploy) fuses every split; to FUSED_RTOL."""
    torch.manual_seed(0)
    kwargs = dict(strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4)) if dilated else {}
    model = randomize_norms(HSResNet(depth=50, **kwargs)).eval()
    x = torch.rand(2, 3, H, W)
    with torch.no_grad():
        ref = model(x)
        fused = switch_to_deploy(copy.deepcopy(model), channel_multiple=channel_multiple,
                                 split_x=split_x)
        outs = fused(x)
    assert all(m.deploy for m in fused.modules() if isinstance(m, HierarchicalSplit))
    for out, expected in zip(outs, ref, strict=True):
        assert ((out - expected).abs().max() / expected.abs().max()).item() < FUSED_RTOL


# The fingerprint of the definition (docs/hsresnet.md, "Fingerprint"): HS-ResNet-50's outputs for
# weights and an input that depend on nothing but fixed seeds. Shapes, parameter counts and the
# hierarchy property survive many changes to the definition (which half is carried, the order of
# the channels, the pool of a striding block, where a ReLU sits); these numbers do not.
DILATED = dict(strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), contract_dilation=True)
# Per output stage: mean, std, max, a fixed random projection (sum of output * U(-1, 1) weights
# seeded 1 + stage, divided by sqrt(numel)) and the values at flat indices numel * k // 5,
# k = 1 … 4; computed in float64. (Every stage ends in a ReLU: the mean of |x| is the mean.)
GOLDEN = {
    'plain': [
        (0.712484359, 0.8040361649, 4.085656708, 0.4327364098,
         (0.0, 0.1348698235, 0.1347446509, 0.4374240632)),
        (1.10132379, 1.189842909, 9.408584715, -0.2532800592,
         (0.1677372848, 0.2730063191, 3.549694654, 0.0)),
        (1.656972, 1.791990981, 12.25163775, -0.9155296347,
         (2.217337823, 3.950822821, 0.0, 1.448331818)),
        (1.468704299, 1.768514469, 11.40123306, 0.8793502593,
         (0.04015591681, 0.0, 1.861526056, 0.04067439475)),
    ],
    'dilated': [  # stages 1 and 2 are those of 'plain'
        (0.712484359, 0.8040361649, 4.085656708, 0.4327364098,
         (0.0, 0.1348698235, 0.1347446509, 0.4374240632)),
        (1.10132379, 1.189842909, 9.408584715, -0.2532800592,
         (0.1677372848, 0.2730063191, 3.549694654, 0.0)),
        (1.718756357, 1.85883189, 12.44253879, 0.634873422,
         (5.674530016, 3.105104829, 0.0, 2.401663396)),
        (1.644722873, 1.970830396, 16.83144523, -0.01417418811,
         (1.468200025, 0.0, 1.938373382, 0.6476783709)),
    ],
}
# |float32 result - GOLDEN| / the stage's std, largest over all statistics, on this CPU: at most
# 1.8e-6 for what this test runs (reference and fused form, 1 or 2 threads; a repeated run is
# bit-identical), 2.7e-6 in channels_last and 4.6e-6 for the fused form with channel_multiple=8
# and split_x; two float32 runs differ by up to 3.2e-6 (1 against 2 threads). About 3x the worst.
GOLDEN_TOL = 1.5e-5


def fingerprint_weights_(model, seed=0):
    """Set every parameter and floating-point buffer from a generator seeded by its name only
    (not by the global RNG, the init code or the order of the modules): convs U(±sqrt(3 /
    fan_in)), norm weights U(0.5, 1.5), biases U(-0.2, 0.2), running means U(-0.5, 0.5),
    running variances U(0.5, 1.5), drawn in float64; integer buffers zero."""
    ranges = dict(weight=(0.5, 1.5), bias=(-0.2, 0.2), running_mean=(-0.5, 0.5),
                  running_var=(0.5, 1.5))
    with torch.no_grad():
        for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
            if not tensor.is_floating_point():  # num_batches_tracked
                tensor.zero_()
                continue
            gen = torch.Generator().manual_seed(seed * 2**32 + zlib.crc32(name.encode()))
            u = torch.rand(tensor.shape, generator=gen, dtype=torch.float64)
            if tensor.dim() == 4:
                bound = math.sqrt(3 / tensor[0].numel())
                low, high = -bound, bound
            else:
                low, high = ranges[name.rsplit('.', 1)[-1]]
            tensor.copy_(low + (high - low) * u)
    return model


def fingerprint(model, dtype=torch.float32):
    """GOLDEN's statistics of ``model``'s outputs for a seeded 1×3×64×64 input."""
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        outs = model.to(dtype).eval()(x.to(dtype))
    stats = []
    for stage, out in enumerate(outs):
        out = out.double()
        flat = out.flatten()
        weights = torch.rand(out.shape, generator=torch.Generator().manual_seed(1 + stage),
                             dtype=torch.float64) * 2 - 1
        stats.append((out.mean().item(), out.std().item(), out.max().item(),
                      ((out * weights).sum() / flat.numel()**0.5).item(),
                      tuple(flat[k * flat.numel() // 5].item() for k in range(1, 5))))
    return stats


def assert_fingerprint(stats, golden):
    assert len(stats) == len(golden)
    for stage, (got, want) in enumerate(zip(stats, golden)):
        got, want = [*got[:4], *got[4]], [*want[:4], *want[4]]
        std = want[1]
        bad = [(name, g, w) for name, g, w in zip(
            ['mean', 'std', 'max', 'projection', *(f'value {k}' for k in range(1, 5))], got, want)
            if not abs(g - w) <= GOLDEN_TOL * std]
        assert not bad, f'stage {stage}: (statistic, got, golden) {bad}'


@pytest.mark.parametrize('variant', ['plain', 'dilated'])
def test_golden_fingerprint(variant):
    """The reference path and the fused form give GOLDEN (see above)."""
    model = fingerprint_weights_(HSResNet(depth=50, **(DILATED if variant == 'dilated' else {})))
    assert_fingerprint(fingerprint(model), GOLDEN[variant])
    model.switch_to_deploy()
    assert_fingerprint(fingerprint(model), GOLDEN[variant])


@pytest.mark.parametrize('depth,blocks', [(101, (3, 4, 23, 3)), (152, (3, 8, 36, 3))])
def test_deeper_models(depth, blocks):
    model = HSResNet(depth=depth).eval()
    assert tuple(len(getattr(model, f'layer{i + 1}')) for i in range(4)) == blocks
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 40, 33))
    assert [tuple(o.shape) for o in outs] == expected_shapes((0, 1, 2, 3), False, 40, 33)


def test_block_structure():
    model = HSResNet(depth=50)
    block = model.layer2[0]
    assert isinstance(block, HSBottleneck) and isinstance(block.conv2, HierarchicalSplit)
    # w = floor(planes * base_width / 64): 22 channels per group in stage 2 (planes=128)
    assert block.conv2.width == 22 and block.conv2.scales == 8
    assert block.conv1.out_channels == 8 * 22 and block.conv3.in_channels == 8 * 22
    assert block.avd_layer.stride == 2 and block.avd_layer.kernel_size == 3
    # ResNet-D: deep stem and average-pool shortcut
    assert len(model.stem) == 9 and model.stem[6].out_channels == 64
    assert isinstance(block.downsample[0], torch.nn.AvgPool2d)
    assert block.downsample[1].stride == (1, 1)


def test_resnet_v1_style_options():
    model = HSResNet(depth=50, deep_stem=False, avg_down=False, style='caffe').eval()
    assert model.conv1.kernel_size == (7, 7)
    assert model.layer2[0].conv1.stride == (2, 2) and model.layer2[0].avd_layer is None
    assert model.layer2[0].downsample[0].stride == (2, 2)
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 64, 64))
    assert [o.shape[-1] for o in outs] == [16, 8, 4, 2]


def test_params_close_to_resnet50d():
    from conftest import require
    mmdet_backbones = require('mmdet.models.backbones')
    ours = num_params(HSResNet(depth=50))
    r50d = num_params(mmdet_backbones.ResNetV1d(depth=50))
    assert abs(ours / r50d - 1) <= 0.03, (ours, r50d)
    # the default base_width is the one closest to ResNet-50-D
    for base_width in (10, 12):
        other = num_params(HSResNet(depth=50, base_width=base_width))
        assert abs(other - r50d) > abs(ours - r50d)


def test_dcn_stages():
    model = HSResNet(
        depth=50,
        dcn=dict(type='DCNv2', deform_groups=1, fallback_on_stride=False),
        stage_with_dcn=(False, False, True, True)).eval()
    assert type(model.layer3[0].conv2.convs[0].conv).__name__ == 'ModulatedDeformConv2dPack'
    assert isinstance(model.layer2[0].conv2.convs[0].conv, torch.nn.Conv2d)
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 64, 64))
    assert outs[3].shape == (1, 2048, 2, 2)
    # no fused path for DCN splits: refused before any split is switched
    with pytest.raises(ValueError, match='got ModulatedDeformConv2dPack'):
        switch_to_deploy(model)
    assert not any(m.deploy for m in model.modules() if isinstance(m, HierarchicalSplit))


def test_pretrained_checkpoint_round_trip_and_missing_file(tmp_path):
    small = dict(depth=50, num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(0, 1))
    src = HSResNet(**small)
    ckpt = tmp_path / 'hsr.pth'
    torch.save(src.state_dict(), ckpt)
    model = HSResNet(**small, init_cfg=dict(type='Pretrained', checkpoint=str(ckpt)))
    model.init_weights()
    for key, value in src.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)
    missing = HSResNet(depth=50, init_cfg=dict(type='Pretrained', checkpoint='nope/hsr50.pth'))
    with pytest.raises(FileNotFoundError, match=r"init_cfg.checkpoint='nope/hsr50.pth'.*README"):
        missing.init_weights()


@pytest.mark.parametrize('kwargs,match', [
    (dict(depth=34), r'depth must be one of \[50, 101, 152\], got 34'),
    (dict(depth=50, scales=1), r'scales must be an int >= 2, got 1'),
    (dict(depth=50, base_width=1), r'base_width=1 .* floor\(base_channels \* base_width / 64\)'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HSResNet(**kwargs)


if __name__ == '__main__':  # print GOLDEN for the current definition (float64)
    def literal(value):
        text = f'{value:.10g}'
        return text if '.' in text or 'e' in text else f'{text}.0'

    for variant, kwargs in [('plain', {}), ('dilated', DILATED)]:
        print(f"    '{variant}': [")
        for *stats, values in fingerprint(fingerprint_weights_(HSResNet(depth=50, **kwargs)),
                                          dtype=torch.float64):
            print(f'        ({", ".join(map(literal, stats))},\n'
                  f'         ({", ".join(map(literal, values))})),')
        print('    ],')
