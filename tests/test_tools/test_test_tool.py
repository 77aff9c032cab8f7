"""What no other test runs: tools/test.py on mmseg, mmpose and mmpretrain configs with --show-dir,
tools/dist_test.sh on two CPU processes, and tools/analysis_tools/benchmark_litehrnet.py — run as
a user runs them, on generated data."""
import os
import re
import sys

import pytest
import torch
from conftest import HEADLINE_CONFIG, ROOT, run_tool
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from mmhsnet.testing import make_all, use_mini_data


@pytest.fixture(scope='module')
def mini_data(tmp_path_factory):
    return make_all(tmp_path_factory.mktemp('mini'), datasets=['cityscapes', 'mpii', 'imagenet'])


def save_checkpoint(cfg, path):
    """A checkpoint of the config's model (random weights), in mmengine's format."""
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)


@pytest.mark.parametrize('config,metric,published', [
    ('hsresnet/deeplabv3plus_hsr50-d8_4xb2-80k_cityscapes-512x1024.py', r'mIoU: \d',
     r'mIoU \d+\.\d\d \(published 79\.80: HS-ResNet paper \(arXiv 2010\.07621\), DeepLabv3\+'),
    # MPII's PCKh is reported as PCK (normalised by the head size)
    ('litehrnet/td-hm_litehrnet-18_8xb64-210e_mpii-256x256.py', r'Head PCK: [\d.]+ .* PCK: \d',
     r'PCK \d+\.\d\d \(published 85\.40: Lite-HRNet paper'),
    ('hsresnet/hsresnet50_8xb32-coslr-lbs-mixup-300e_in1k.py', r'accuracy/top1: \d',
     r'accuracy/top1 \d+\.\d\d \(published 81\.28: HS-ResNet paper'),
])
def test_test_py_on_mmseg_mmpose_and_mmpretrain_configs(mini_data, tmp_path, config, metric,
                                                        published):
    """Metrics, the published result beside ours, and a picture of every test image."""
    cfg = use_mini_data(Config.fromfile(ROOT / 'configs' / config), mini_data)
    cfg_path, checkpoint = tmp_path / 'config.py', tmp_path / 'model.pth'
    cfg.dump(cfg_path)
    save_checkpoint(cfg, checkpoint)
    show_dir = tmp_path / 'pictures'
    result = run_tool(ROOT / 'tools' / 'test.py', cfg_path, checkpoint, '--work-dir',
                      tmp_path / 'work', '--show-dir', show_dir, cwd=tmp_path)
    log = result.stdout + result.stderr
    assert re.search(metric, log), log[-3000:]
    assert re.search(published, log), log[-3000:]
    pictures = [p for p in show_dir.rglob('*') if p.suffix in ('.png', '.jpg')]
    assert pictures, sorted(show_dir.rglob('*'))


def test_dist_test_on_two_processes(mini_coco, tmp_path):
    _, _, opts = mini_coco
    cfg = Config.fromfile(HEADLINE_CONFIG)
    cfg.model.backbone.init_cfg = None
    checkpoint = tmp_path / 'model.pth'
    save_checkpoint(cfg, checkpoint)
    env = dict(os.environ, PYTHON=sys.executable, PORT='29531')
    result = run_tool(ROOT / 'tools' / 'dist_test.sh', HEADLINE_CONFIG, checkpoint, '2',
                      '--work-dir', tmp_path / 'work', '--cfg-options', *opts, cwd=tmp_path,
                      interpreter='bash', env=env)
    log = result.stdout + result.stderr
    # both processes evaluate, rank 0 reports the metrics of all val images once
    assert len(re.findall(r'coco/bbox_mAP: -?\d', log)) == 1, log[-3000:]
    assert 'Epoch(test) [1/1]' in log, log[-3000:]


def test_benchmark_litehrnet():
    result = run_tool(ROOT / 'tools' / 'analysis_tools' / 'benchmark_litehrnet.py', '--batch',
                      '1', '--shape', '64', '64', '--warmup', '0', '--repeats', '1',
                      '--threads', '1')
    rows = {line.split('|')[1].strip(): line.split('|')[2:-1]
            for line in result.stdout.splitlines() if line.startswith('| mm')}
    assert set(rows) == {'mmhsnet', 'mmhsnet, channels_last=False', 'mmpose'}
    # channels_last=False is bit-identical to mmpose; channels-last differs by rounding only
    assert rows['mmhsnet, channels_last=False'][-1].strip() == '0.0e+00'
    assert float(rows['mmhsnet'][-1]) < 1e-4
    assert rows['mmpose'][-2].strip() == '1.00x'
    assert re.search(r'speed-up \(mmpose median / mmhsnet median\): [\d.]+x', result.stdout)
