"""Distributed resume: two CPU processes (tools/dist_train.sh, gloo), one rank SIGKILLed after
the 2nd of 3 epoch checkpoints, the job restarted with ``--resume``: it ends with the weights of
an uninterrupted two-process run, bit for bit (every rank restores its own random state)."""
import os
import socket
import subprocess
import sys

import torch
from conftest import ROOT
from mmengine.config import Config

from mmhsnet.testing import make_all, use_mini_data

CONFIG = ROOT / 'configs' / 'faster_rcnn_hsr50_fpn_1x_coco.py'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def dist_train(config, work_dir, *args):
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / 'tests' / 'helpers'),
                                                        os.environ.get('PYTHONPATH')])))
    return subprocess.run(['bash', ROOT / 'tools' / 'dist_train.sh', config, '2', '--work-dir',
                           work_dir, *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_one_rank_killed_then_resumed(tmp_path):
    data = make_all(str(tmp_path / 'mini'), seed=0, num_train=8, num_val=2, datasets=('coco', ))
    # the headline detector, 3 epochs of 2 iterations on 2 processes (2 images each): random
    # flips and RPN / RoI sampling drawn by every rank from its own generators, which drift
    # apart (the samplers draw as many numbers as each rank's images have boxes)
    cfg = use_mini_data(Config.fromfile(CONFIG), data, batch_size=2, num_iters=4,
                        save_checkpoint=True)
    cfg.train_cfg.max_epochs = 3
    cfg.train_cfg.val_interval = 10
    cfg.param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=0.1)]
    plain = tmp_path / 'plain.py'
    cfg.dump(plain)
    cfg.custom_imports = dict(imports=['mmhsnet.models', 'kill_rank_hook'])
    cfg.custom_hooks = [*cfg.get('custom_hooks', []), dict(type='KillRankHook', rank=1, epoch=2)]
    killing = tmp_path / 'killing.py'
    cfg.dump(killing)

    result = dist_train(plain, tmp_path / 'uninterrupted')
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    result = dist_train(killing, tmp_path / 'interrupted')
    log = (result.stdout + result.stderr)[-3000:]
    assert result.returncode != 0, log  # rank 1 died; torchrun stopped the job
    assert not (tmp_path / 'interrupted' / 'epoch_3.pth').exists(), log
    assert (tmp_path / 'interrupted' / 'epoch_2.pth').exists(), log
    result = dist_train(plain, tmp_path / 'interrupted', '--resume')
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert 'resumed epoch: 2' in log, log[-3000:]

    def weights(run):
        return torch.load(tmp_path / run / 'epoch_3.pth', weights_only=False)['state_dict']

    expected, resumed = weights('uninterrupted'), weights('interrupted')
    assert expected.keys() == resumed.keys()
    differ = [key for key in expected if not torch.equal(expected[key], resumed[key])]
    assert not differ, f'{len(differ)} of {len(expected)} tensors differ, e.g. {differ[:3]}'
    # both ranks' random states are in the checkpoint, and they differ (so restoring rank 0's
    # on both ranks, as before, would not give these weights)
    states = torch.load(tmp_path / 'interrupted' / 'epoch_2.pth',
                        weights_only=False)['random_states']
    assert len(states) == 2 and not torch.equal(states[0]['torch'], states[1]['torch'])
