"""tools/dist_train.sh: two CPU processes (torchrun, gloo) train the headline config."""
import os
import subprocess
import sys

import torch
from conftest import HEADLINE_CONFIG, ROOT


def test_two_processes_train_and_agree(mini_coco, tmp_path):
    _, _, opts = mini_coco
    work_dir = tmp_path / 'work'
    dump_dir = tmp_path / 'weights'
    env = dict(os.environ, PYTHON=sys.executable, PORT='29517',
               PYTHONPATH=f'{ROOT / "tests" / "helpers"}:{os.environ.get("PYTHONPATH", "")}')
    # the headline config, plus a hook with which each rank dumps its weights before the first
    # step and after the last one
    config = tmp_path / 'with_dump_hook.py'
    config.write_text(
        f"_base_ = '{HEADLINE_CONFIG}'\n"
        "custom_imports = dict(imports=['mmhsnet.models', 'rank_weights_hook'])\n"
        f"custom_hooks = [dict(type='DumpRankWeightsHook', out_dir='{dump_dir}')]\n")
    result = subprocess.run(
        ['bash', ROOT / 'tools' / 'dist_train.sh', config, '2', '--work-dir', work_dir,
         '--cfg-options', *opts, 'train_dataloader.batch_size=1'],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    # 4 images, 2 processes, 1 image each: 2 iterations, gradients averaged over the ranks
    assert 'Epoch(train) [1][2/2]' in log
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['epoch_1.pth']
    assert len([p for p in work_dir.iterdir() if p.is_dir()]) == 1  # one log folder
    assert len(list(work_dir.glob('*/*.log'))) == 1

    def load(name):
        return torch.load(dump_dir / f'{name}.pth', weights_only=True)

    before0, before1, rank0, rank1 = map(load, ['rank0_before', 'rank1_before', 'rank0', 'rank1'])
    assert before0.keys() == before1.keys() == rank0.keys() == rank1.keys()
    # both ranks start and end with the same weights (DDP averaged the gradients)
    for key in rank0:
        assert torch.equal(before0[key], before1[key]), key
        assert torch.equal(rank0[key], rank1[key]), key
    # the checkpoint holds those final weights
    ckpt = torch.load(work_dir / 'epoch_1.pth', weights_only=False)['state_dict']
    assert ckpt.keys() == rank0.keys()
    for key in rank0:
        assert torch.equal(ckpt[key], rank0[key]), key
    # training changed the trainable weights: every tensor of the neck and the heads, and every
    # BatchNorm bias of the backbone's layer2-4 (they start at 0, so any gradient moves them; at
    # the warm-up's first learning rates, 2e-5, most backbone conv weights move by less than
    # their float32 resolution) ...
    def changed(key):
        return not torch.equal(rank0[key], before0[key])

    heads = [k for k in rank0 if k.startswith(('neck.', 'rpn_head.', 'roi_head.'))]
    assert 'roi_head.bbox_head.fc_cls.weight' in heads and len(heads) >= 20
    assert [k for k in heads if not changed(k)] == []
    for stage in ['layer2', 'layer3', 'layer4']:
        biases = [k for k in rank0 if k.startswith(f'backbone.{stage}.') and k.endswith('.bias')]
        assert len(biases) >= 20, stage
        assert [k for k in biases if not changed(k)] == [], stage
    # ... but nothing in the stem and layer1, which the config freezes (frozen_stages=1)
    frozen = [k for k in rank0 if k.startswith(('backbone.stem.', 'backbone.layer1.'))]
    assert 'backbone.layer1.0.conv1.weight' in frozen and 'backbone.layer1.0.bn1.bias' in frozen
    assert [k for k in frozen if changed(k)] == []
