import copy
import math

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


@pytest.mark.parametrize('channel_multiple,split_x', [(1, False), (8, False), (8, True)])
@pytest.mark.parametrize('dilated', [False, True])
def test_deploy_path_keeps_the_outputs(channel_multiple, split_x, dilated):
    """mmhsnet.apis.switch_to_deploy (tools' --deploy) fuses every split; 1e-5."""
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
        assert ((out - expected).abs().max() / expected.abs().max()).item() < 1e-5


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
    mmdet_backbones = pytest.importorskip('mmdet.models.backbones')
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
