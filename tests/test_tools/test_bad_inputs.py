"""Bad configs and data given to tools/train.py and tools/test.py: a one-paragraph error that
names the problem, no traceback (docs/troubleshooting.md lists every such case)."""
import pytest
import torch
from conftest import HEADLINE_CONFIG as CONFIG
from conftest import ROOT, run_tool


def fails(tool, *args, cwd):
    """stderr of a tool that must end with an ``error:`` message and exit status 2."""
    result = run_tool(ROOT / 'tools' / tool, *args, cwd=cwd, ok=False, timeout=300)
    assert result.returncode == 2 and 'error: ' in result.stderr, result.stderr[-3000:]
    return result.stderr


@pytest.mark.parametrize('addition,message', [
    ("model = dict(backbone=dict(type='mmhsnet.HSResnet'))",
     "model.backbone.type='mmhsnet.HSResnet' is not registered in mmhsnet (did you mean "
     "'mmhsnet.HSResNet'?); mmhsnet's models are: HSResNet, LiteHRNet, ResNeSt"),
    ("custom_hooks = [dict(type='mmhsnet.RNGHook')]",
     "custom_hooks[0].type='mmhsnet.RNGHook' is not registered in mmhsnet; mmhsnet's hooks "
     "are: PublishedResultHook, RandomStateHook"),
])
def test_unknown_mmhsnet_type(mini_coco, tmp_path, addition, message):
    config = tmp_path / 'config.py'
    config.write_text(f"_base_ = '{CONFIG}'\n{addition}\n")
    err = fails('train.py', config, '--work-dir', tmp_path, '--cfg-options', *mini_coco[2],
                cwd=tmp_path)
    assert message in err


def test_dataset_path_does_not_exist(mini_coco, tmp_path):
    err = fails('train.py', CONFIG, '--work-dir', tmp_path, '--cfg-options', *mini_coco[2],
                'train_dataloader.dataset.data_root=nowhere/coco/', cwd=tmp_path)
    assert ("train_dataloader.dataset: 'nowhere/coco/annotations/instances_train2017.json' "
            "does not exist (data_root='nowhere/coco/', "
            "ann_file='annotations/instances_train2017.json')") in err
    assert '--cfg-options train_dataloader.dataset.data_root=DIR' in err


def test_empty_annotation_file(mini_coco, tmp_path):
    empty = tmp_path / 'empty.json'
    empty.touch()
    checkpoint = tmp_path / 'model.pth'
    torch.save({'state_dict': {}}, checkpoint)
    err = fails('test.py', CONFIG, checkpoint, '--work-dir', tmp_path, '--cfg-options',
                *mini_coco[2], f'test_dataloader.dataset.ann_file={empty}', cwd=tmp_path)
    assert f"test_dataloader.dataset: the annotation file '{empty}' is empty" in err


def test_pretrained_checkpoint_that_does_not_fit(mini_coco, tmp_path):
    """Checked before the Runner builds anything (no log folder), not warned about by mmengine
    while training goes on with random weights."""
    from mmhsnet.models import ResNeSt
    checkpoint = tmp_path / 'resnest50.pth'
    # an ImageNet classifier of another network, in the layout the configs read
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               ResNeSt(depth=50).state_dict().items()}}, checkpoint)
    options = [o for o in mini_coco[2] if not o.startswith('model.backbone.init_cfg')]
    work_dir = tmp_path / 'work'
    err = fails('train.py', CONFIG, '--work-dir', work_dir, '--cfg-options', *options,
                f'model.backbone.init_cfg.checkpoint={checkpoint}', cwd=tmp_path)
    assert (f"error: model.backbone.init_cfg.checkpoint='{checkpoint}' does not fit: The "
            'checkpoint does not fit HSResNet(depth=50)') in err
    assert 'shape mismatches: layer1.0.conv1.weight: checkpoint (64, 64, 1, 1) vs model (88' in err
    assert '--cfg-options model.backbone.init_cfg=None' in err
    assert not list(work_dir.glob('*/*.log'))


def test_test_checkpoint_and_out_file(mini_coco, tmp_path):
    err = fails('test.py', CONFIG, tmp_path / 'nope.pth', cwd=tmp_path)
    assert f"checkpoint '{tmp_path / 'nope.pth'}' does not exist" in err
    checkpoint = tmp_path / 'model.pth'
    checkpoint.touch()
    err = fails('test.py', CONFIG, checkpoint, '--out', 'res.json', cwd=tmp_path)
    assert "--out must be a .pkl or .pickle file, got 'res.json'" in err


def test_auto_scale_lr_needs_the_config_entry(mini_coco, tmp_path):
    err = fails('train.py', CONFIG, '--work-dir', tmp_path, '--auto-scale-lr', '--cfg-options',
                *mini_coco[2], 'auto_scale_lr=None', cwd=tmp_path)
    assert ('--auto-scale-lr needs auto_scale_lr=dict(enable=..., base_batch_size=...) in the '
            'config') in err


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU-only message')
def test_launcher_without_gpus(mini_coco, tmp_path):
    err = fails('train.py', CONFIG, '--work-dir', tmp_path, '--launcher', 'slurm',
                '--cfg-options', *mini_coco[2], cwd=tmp_path)
    assert ('--launcher slurm needs GPUs; on CPU-only machines use --launcher pytorch '
            '(torchrun, tools/dist_train.sh)') in err
