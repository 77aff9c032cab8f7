"""The headline command, run exactly as a user runs it (subprocesses), on a generated mini COCO."""
import argparse
import re

import torch
from conftest import HEADLINE_CONFIG as CONFIG
from conftest import ROOT, require, run_tool
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope


def run(args, cwd):
    result = run_tool(*args, cwd=cwd)
    return result.stdout + result.stderr


def test_train_then_test_prints_coco_metrics(mini_coco, tmp_path):
    _, _, opts = mini_coco
    work_dir = tmp_path / 'work'
    log = run([ROOT / 'tools' / 'train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
               *opts], cwd=tmp_path)
    ckpt = work_dir / 'epoch_1.pth'
    assert ckpt.is_file(), log[-2000:]
    assert 'HSResNet' in (work_dir / 'faster_rcnn_hsr50_fpn_1x_coco.py').read_text()
    assert re.search(r'Epoch\(train\) \[1\]\[2/2\].*loss: ', log)
    # the config's published result, beside ours after the last validation
    published = (r'coco/bbox_mAP -?\d\.\d{3} \(published 0\.416: HS-ResNet paper \(arXiv '
                 r'2010\.07621\), Faster R-CNN \+ FPN 1x, COCO\)')
    assert re.search(r'Last validation beside the published result:\n +' + published, log), \
        log[-2000:]

    out = tmp_path / 'results.pkl'
    log = run([ROOT / 'tools' / 'test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'test',
               '--out', out, '--cfg-options', *opts], cwd=tmp_path)
    assert re.search(r'coco/bbox_mAP: -?\d', log), log[-2000:]
    assert 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all' in log
    assert re.search(r'Test beside the published result:\n +' + published, log), log[-2000:]
    assert out.is_file()


def test_resume_from_a_given_checkpoint(mini_coco, tmp_path):
    """``--resume CKPT`` continues from that checkpoint, not from the work directory's latest."""
    _, _, opts = mini_coco
    first, second = tmp_path / 'first', tmp_path / 'second'
    run([ROOT / 'tools' / 'train.py', CONFIG, '--work-dir', first, '--cfg-options', *opts],
        cwd=tmp_path)
    # a second work directory, one more epoch, resumed from the first run's checkpoint
    log = run([ROOT / 'tools' / 'train.py', CONFIG, '--work-dir', second, '--resume',
               first / 'epoch_1.pth', '--cfg-options', *opts, 'train_cfg.max_epochs=2'],
              cwd=tmp_path)
    assert f'Load checkpoint from {first / "epoch_1.pth"}' in log, log[-3000:]
    assert 'resumed epoch: 1, iter: 2' in log, log[-3000:]
    assert 'Epoch(train) [1]' not in log and re.search(r'Epoch\(train\) \[2\]\[2/2\]', log)
    assert sorted(p.name for p in second.glob('*.pth')) == ['epoch_2.pth']


def test_missing_pretrained_checkpoint_is_a_clear_message(mini_coco, tmp_path):
    opts = [o for o in mini_coco[2] if not o.startswith('model.backbone.init_cfg')]
    result = run_tool(ROOT / 'tools' / 'train.py', CONFIG, '--work-dir', tmp_path,
                      '--cfg-options', *opts, cwd=tmp_path, ok=False)
    assert "model.backbone.init_cfg.checkpoint='checkpoints/hsresnet50_s8w11_in1k.pth' does " \
           'not exist' in result.stderr
    assert 'model.backbone.init_cfg=None' in result.stderr
    assert 'Traceback' not in result.stderr


def test_loss_decreases_on_a_repeated_batch(mini_coco):
    """The detector with an HS-ResNet backbone can learn: a few SGD steps on one batch."""
    registry = require('mmdet.registry')
    cfg = Config.fromfile(CONFIG)
    # the same --cfg-options as the CLI runs, parsed the same way
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(['--cfg-options', *mini_coco[2]]).cfg_options
    cfg.merge_from_dict(options)
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        model = registry.MODELS.build(cfg.model)
        model.init_weights()
        model.train()
        dataset_cfg = cfg.train_dataloader.dataset.copy()
        dataset_cfg.pipeline = [t for t in dataset_cfg.pipeline if t.type != 'RandomFlip']
        dataset = registry.DATASETS.build(dataset_cfg)
        batch = pseudo_collate([dataset[0], dataset[1]])
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
        losses = []
        for _ in range(6):
            log_vars = model.train_step(batch, optim)
            losses.append(float(log_vars['loss'].detach()))
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.7 * losses[0], losses
