import math

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmhsnet.models import HSResNet
from mmhsnet.models.backbones.hsresnet import HSBottleneck
from mmhsnet.models.layers import HierarchicalSplit

# Input sizes that are not multiples of 32.
H, W = 67, 93


def check_norm_state(modules, train_state):
    return all(m.training == train_state for m in modules if isinstance(m, _BatchNorm))


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


def test_frozen_stages():
    frozen_stages = 1
    model = HSResNet(depth=50, frozen_stages=frozen_stages)
    model.init_weights()
    model.train()
    assert check_norm_state(model.stem.modules(), False)
    for param in model.stem.parameters():
        assert not param.requires_grad
    for i in range(1, frozen_stages + 1):
        layer = getattr(model, f'layer{i}')
        for mod in layer.modules():
            if isinstance(mod, _BatchNorm):
                assert mod.training is False
        for param in layer.parameters():
            assert param.requires_grad is False
    for param in model.layer2.parameters():
        assert param.requires_grad
    # stem-only freezing and the V1 stem
    model = HSResNet(depth=50, deep_stem=False, frozen_stages=0, norm_eval=False)
    model.train()
    assert model.norm1.training is False
    assert all(not p.requires_grad for p in model.conv1.parameters())
    assert model.layer1[0].bn1.training
    assert all(p.requires_grad for p in model.layer1.parameters())


def test_norm_eval():
    model = HSResNet(depth=50, norm_eval=True)
    assert model.train() is model
    assert check_norm_state(model.modules(), False)
    model = HSResNet(depth=50, norm_eval=False)
    model.train()
    assert check_norm_state(model.modules(), True)


def test_with_cp_same_outputs_and_gradients():
    torch.manual_seed(0)
    kwargs = dict(depth=50, norm_eval=False, zero_init_residual=False)
    ref = HSResNet(**kwargs)
    ref.init_weights()
    cp_model = HSResNet(with_cp=True, **kwargs)
    cp_model.load_state_dict(ref.state_dict())
    assert all(block.with_cp for block in cp_model.layer3)
    x = torch.rand(2, 3, 64, 64)
    losses = []
    for model in (ref, cp_model):
        model.train()
        outs = model(x)
        loss = sum((o**2).mean() for o in outs)
        loss.backward()
        losses.append((outs, loss))
    for o_ref, o_cp in zip(losses[0][0], losses[1][0]):
        torch.testing.assert_close(o_cp, o_ref, rtol=1e-5, atol=1e-5)
    for (name, p_ref), p_cp in zip(ref.named_parameters(), cp_model.parameters()):
        torch.testing.assert_close(p_cp.grad, p_ref.grad, rtol=1e-4, atol=1e-6, msg=name)


def test_zero_init_residual():
    model = HSResNet(depth=50, zero_init_residual=True)
    model.init_weights()
    blocks = [m for m in model.modules() if isinstance(m, HSBottleneck)]
    assert len(blocks) == 16
    for block in blocks:
        assert torch.all(block.norm3.weight == 0)
        assert torch.all(block.norm1.weight == 1)
    model = HSResNet(depth=50, zero_init_residual=False)
    model.init_weights()
    for block in blocks[:1]:
        assert torch.all(model.layer1[0].norm3.weight == 1)


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


def test_pretrained_argument():
    with pytest.warns(UserWarning, match='pretrained is deprecated'):
        model = HSResNet(depth=50, pretrained='some.pth')
    assert model.init_cfg == dict(type='Pretrained', checkpoint='some.pth')


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
    (dict(depth=50, out_indices=(4, )), r'out_indices must be a non-empty subset of \[0, 1, 2, 3\]'),
    (dict(depth=50, num_stages=3, strides=(1, 2, 2), dilations=(1, 1, 1), out_indices=(0, 3)),
     r'subset of \[0, 1, 2\]'),
    (dict(depth=50, frozen_stages=5), r'frozen_stages must be one of \[-1, 0, 1, 2, 3, 4\], got 5'),
    (dict(depth=50, num_stages=5), r'num_stages must be one of \[1, 2, 3, 4\]'),
    (dict(depth=50, style='tf'), r"style must be one of \['pytorch', 'caffe'\], got 'tf'"),
    (dict(depth=50, strides=(1, 2)), r'strides .* must have num_stages=4 entries'),
    (dict(depth=50, init_cfg=dict(type='Pretrained', checkpoint='a'), pretrained='b'),
     'init_cfg and pretrained cannot be specified at the same time'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HSResNet(**kwargs)


def test_wrong_input_channels():
    one_stage = dict(depth=50, num_stages=1, strides=(1, ), dilations=(1, ), out_indices=(0, ))
    model = HSResNet(**one_stage)
    with pytest.raises(ValueError, match=r'in_channels=3, H, W\), got \(1, 1, 32, 32\)'):
        model(torch.rand(1, 1, 32, 32))
    gray = HSResNet(in_channels=1, **one_stage).eval()
    assert gray(torch.rand(1, 1, 32, 32))[0].shape == (1, 256, 8, 8)
