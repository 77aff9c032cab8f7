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
    # the headline config, plus a hook with which each rank dumps its final weights
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
    rank0 = torch.load(dump_dir / 'rank0.pth', weights_only=True)
    rank1 = torch.load(dump_dir / 'rank1.pth', weights_only=True)
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), key
    # and training changed them
    ckpt = torch.load(work_dir / 'epoch_1.pth', weights_only=False)['state_dict']
    assert torch.equal(ckpt['backbone.layer1.0.conv1.weight'],
                       rank0['backbone.layer1.0.conv1.weight'])
