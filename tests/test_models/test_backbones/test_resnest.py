import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import require

from mmhsnet.models import ResNeSt
from mmhsnet.models.backbones.resnest import ResNeStBottleneck
from mmhsnet.models.layers import SplitAttentionConv2d
from mmhsnet.testing import randomize_norms
from mmhsnet.utils import check_state_dict
from mmhsnet.utils.converters import convert_resnest, infer_depth

ROOT = Path(__file__).parents[3]
ATOL = 1e-5


def assert_outputs_equal(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, rtol=0, atol=ATOL)


def run_eval(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)


@pytest.mark.parametrize('depth,stem_channels', [(50, 64), (101, 128)])
def test_equals_mmdet_resnest(depth, stem_channels):
    from mmdet.models.backbones import ResNeSt as MMDetResNeSt
    theirs = randomize_norms(MMDetResNeSt(depth=depth, stem_channels=stem_channels))
    ours = ResNeSt(depth=depth)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.rand(1, 3, 75, 61)
    assert_outputs_equal(run_eval(ours, x), run_eval(theirs, x))


@pytest.mark.parametrize('depth,stem_channels', [(50, 64), (101, 128)])
def test_equals_mmseg_resnest_dilated(depth, stem_channels):
    from mmseg.models.backbones import ResNeSt as MMSegResNeSt
    d8 = dict(strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), contract_dilation=True)
    theirs = randomize_norms(MMSegResNeSt(depth=depth, stem_channels=stem_channels, **d8))
    ours = ResNeSt(depth=depth, **d8)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.rand(1, 3, 65, 49)
    out = run_eval(ours, x)
    assert [o.shape[-2:] for o in out] == [(17, 13), (9, 7), (9, 7), (9, 7)]
    assert_outputs_equal(out, run_eval(theirs, x))


def test_equals_mmpose_resnest_after_conversion():
    from mmpose.models.backbones import ResNeSt as MMPoseResNeSt
    theirs = randomize_norms(MMPoseResNeSt(depth=50, out_indices=(0, 1, 2, 3)))
    state_dict, unconverted, layout = convert_resnest(theirs.state_dict())
    assert layout == 'mmpose' and unconverted == []
    ours = ResNeSt(depth=50)
    ours.load_state_dict(state_dict, strict=True)
    x = torch.rand(1, 3, 64, 48)
    assert_outputs_equal(run_eval(ours, x), run_eval(theirs, x))


def official_features(model, x):
    """Stage outputs of an official / timm ResNeSt (their forward returns logits)."""
    act = model.relu if hasattr(model, 'relu') else model.act1
    x = model.maxpool(act(model.bn1(model.conv1(x))))
    outs = []
    for name in ('layer1', 'layer2', 'layer3', 'layer4'):
        x = getattr(model, name)(x)
        outs.append(x)
    return tuple(outs)


def test_equals_official_resnest50_after_conversion():
    official = require('resnest.torch')
    theirs = randomize_norms(official.resnest50()).eval()
    state_dict, unconverted, layout = convert_resnest(theirs.state_dict())
    assert layout == 'official' and unconverted == ['fc.weight', 'fc.bias']
    ours = ResNeSt(depth=50)
    ours.load_state_dict(state_dict, strict=True)
    x = torch.rand(2, 3, 96, 80)
    with torch.no_grad():
        expected = official_features(theirs, x)
    assert_outputs_equal(run_eval(ours, x), expected)


def test_equals_timm_resnest50d_after_conversion():
    timm = require('timm')
    theirs = randomize_norms(timm.create_model('resnest50d', pretrained=False)).eval()
    state_dict, _, layout = convert_resnest({'state_dict': theirs.state_dict()})
    assert layout == 'official'
    ours = ResNeSt(depth=50)
    ours.load_state_dict(state_dict, strict=True)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = official_features(theirs, x)
    assert_outputs_equal(run_eval(ours, x), expected)


@pytest.mark.parametrize('depth,millions', [(50, 27.5), (101, 48.3), (200, 70.2), (269, 110.9)])
def test_params_match_the_official_table(depth, millions):
    """Counted as the official table does: backbone + the 1000-class fc (2048 * 1000 + 1000)."""
    backbone = sum(p.numel() for p in ResNeSt(depth=depth).parameters())
    assert round((backbone + 2048 * 1000 + 1000) / 1e6, 1) == millions


@pytest.mark.parametrize('depth,blocks', [(200, (3, 24, 36, 3)), (269, (3, 30, 48, 8))])
def test_deep_models_shapes(depth, blocks):
    model = ResNeSt(depth=depth)
    assert tuple(len(getattr(model, f'layer{i}')) for i in range(1, 5)) == blocks
    assert model.stem[6].out_channels == 128
    outs = run_eval(model, torch.rand(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(1, 256, 8, 8), (1, 512, 4, 4), (1, 1024, 2, 2),
                                              (1, 2048, 1, 1)]


def test_block_structure():
    model = ResNeSt(depth=50)
    block = model.layer2[0]
    assert isinstance(block, ResNeStBottleneck) and isinstance(block.conv2, SplitAttentionConv2d)
    assert block.conv2.conv.stride == (1, 1) and block.avd_layer.stride == 2
    assert block.conv2.fc1.out_channels == max(128 * 2 // 4, 32)
    assert not hasattr(model.layer1[0], 'avd_layer')  # stride 1
    grouped = ResNeSt(depth=50, groups=2, base_width=32, radix=1)
    assert grouped.layer1[0].conv1.out_channels == 64  # floor(64 * 32 / 64) * 2
    assert grouped.layer1[0].conv2.conv.groups == 2


@pytest.mark.parametrize('kwargs,match', [
    (dict(depth=34), r'depth must be one of \[50, 101, 152, 200, 269\], got 34'),
    (dict(depth=50, radix=0), r'radix must be an int >= 1, got 0'),
    (dict(depth=50, groups=0), r'groups must be an int >= 1, got 0'),
    (dict(depth=50, reduction_factor=0), r'reduction_factor must be an int >= 1'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ResNeSt(**kwargs)


def test_converter_refuses_another_depth():
    official = require('resnest.torch')
    state_dict, _, _ = convert_resnest(official.resnest101().state_dict())
    with pytest.raises(ValueError) as err:
        check_state_dict(state_dict, ResNeSt(depth=50))
    message = str(err.value)
    assert 'ResNeSt(depth=50)' in message
    assert 'checkpoint (3, 4, 23, 3), in the model (3, 4, 6, 3)' in message
    assert 'unexpected keys: layer3.6.' in message and 'shape mismatches: stem.0.weight' in message


def test_converter_cli(tmp_path):
    official = require('resnest.torch')
    src = tmp_path / 'resnest50-official.pth'
    theirs = randomize_norms(official.resnest50())
    torch.save(theirs.state_dict(), src)
    dst = tmp_path / 'out' / 'resnest50_mmhsnet.pth'
    script = ROOT / 'tools' / 'model_converters' / 'resnest2mmhsnet.py'
    result = subprocess.run([sys.executable, str(script), str(src), str(dst)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert 'official layout, ResNeSt-50' in result.stdout  # depth read from the checkpoint
    assert 'fc.weight, fc.bias' in result.stdout
    # the converted file initialises the backbone through init_cfg, strictly
    ours = ResNeSt(depth=50, init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    ours.init_weights()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = official_features(theirs.eval(), x)
    assert_outputs_equal(run_eval(ours, x), expected)
    # the right depth given: a check that passes; a wrong one: a clear message, exit status 2
    result = subprocess.run([sys.executable, str(script), str(src), str(dst), '--depth', '50'],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, str(script), str(src), str(dst), '--depth', '101'],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert 'does not fit ResNeSt(depth=101)' in result.stderr
    assert 'blocks per stage in the checkpoint (3, 4, 6, 3), in the model (3, 4, 23, 3)' in \
        result.stderr


def test_converter_infers_every_depth():
    for depth, blocks in ResNeSt.arch_settings.items():
        keys = {f'layer{i + 1}.{j}.conv1.weight': None for i, n in enumerate(blocks)
                for j in range(n)}
        assert infer_depth(keys, ResNeSt.arch_settings) == depth
    keys = {f'layer{i + 1}.{j}.conv1.weight': None for i, n in enumerate((3, 4, 7, 3))
            for j in range(n)}
    with pytest.raises(ValueError, match=r'\(3, 4, 7, 3\) blocks per stage, which is no known '
                       r'depth \(50: \(3, 4, 6, 3\), 101'):
        infer_depth(keys, ResNeSt.arch_settings)
