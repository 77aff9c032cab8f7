"""Nothing is lost on interruption: ``tools/train.py`` killed with SIGKILL after its k-th
checkpoint and continued with ``--resume`` ends with the same weights, bit for bit, as a run that
was never interrupted (mmhsnet.RandomStateHook, which train.py adds)."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import ROOT
from mmengine.config import Config

from mmhsnet.testing import make_all, use_mini_data

DET_CONFIG = ROOT / 'configs' / 'hsresnet' / 'faster-rcnn_hsr50_fpn_1x_coco.py'
POSE_CONFIG = ROOT / 'configs' / 'hsresnet' / 'td-hm_hsr50_8xb64-210e_mpii-256x256.py'


@pytest.fixture(scope='module')
def mini_data(tmp_path_factory):
    return make_all(str(tmp_path_factory.mktemp('mini')), seed=0, num_train=6, num_val=2,
                    datasets=('coco', 'mpii'))


def iter_based_detector(data):
    """6 iterations, a checkpoint and a validation every 2 (validation between checkpoints
    draws random numbers too), random flips and RPN/RoI sampling on shuffled data."""
    cfg = use_mini_data(Config.fromfile(DET_CONFIG), data, batch_size=2, num_iters=3,
                        save_checkpoint=True)
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=6, val_interval=2)
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=6)]
    cfg.default_hooks.checkpoint.update(by_epoch=False, interval=2)
    cfg.log_processor = dict(by_epoch=False)
    return cfg, 'iter_{}.pth', 6


def epoch_based_pose(data):
    """3 epochs of 2 iterations (mmpose's random flip, half-body and affine augmentation)."""
    cfg = use_mini_data(Config.fromfile(POSE_CONFIG), data, batch_size=2, num_iters=2,
                        save_checkpoint=True)
    cfg.train_cfg.max_epochs = 3
    cfg.param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=0.1)]
    return cfg, 'epoch_{}.pth', 3


def forked_children(pid):
    """The processes ``pid`` forked and that still run its program (its data-loading workers,
    not e.g. the ``git`` or ``gcc`` that mmengine's environment report calls), per /proc."""
    def cmdline(p):
        with open(f'/proc/{p}/cmdline', 'rb') as f:
            return f.read()
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f:
            children = f.read().split()
        own = cmdline(pid)
        return {child for child in children if cmdline(child) == own}
    except OSError:  # one of them ended meanwhile
        return set()


def train(config, work_dir, *args, kill_after=None):
    """Run tools/train.py; with ``kill_after``, SIGKILL it as soon as that checkpoint is the
    latest one (``last_checkpoint``, written after the checkpoint file). Returns the output
    and, when killed, the processes the run had started until then."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / 'tools' / 'train.py'), str(config), '--work-dir',
         str(work_dir), *args], cwd=work_dir.parent, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    if kill_after is None:
        log, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, log[-3000:]
        return log
    last = work_dir / 'last_checkpoint'
    deadline = time.monotonic() + 600
    children = set()
    while not (last.is_file() and last.read_text().strip().endswith(kill_after)):
        assert proc.poll() is None, proc.communicate()[0][-3000:]
        assert time.monotonic() < deadline
        children |= forked_children(proc.pid)
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    # (orphaned workers notice their parent's death within seconds and close the pipe)
    log, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return log, children


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.mark.parametrize('make_cfg,num_workers', [
    (iter_based_detector, 0),
    (epoch_based_pose, 0),
    # 2 non-persistent workers, started anew every epoch: mmengine's worker_init_fn seeds
    # their generators (seed + worker id), so a resumed epoch draws what it drew before
    (epoch_based_pose, 2),
])
def test_resume_after_sigkill_is_bit_identical(make_cfg, num_workers, mini_data, tmp_path):
    cfg, ckpt_name, last = make_cfg(mini_data)
    cfg.train_dataloader.update(num_workers=num_workers, persistent_workers=False)
    config = tmp_path / 'config.py'
    cfg.dump(str(config))
    final = ckpt_name.format(last)

    train(config, tmp_path / 'uninterrupted')
    k = ckpt_name.format(last * 2 // 3)  # the 2nd of 3 checkpoints
    _, children = train(config, tmp_path / 'interrupted', kill_after=k)
    # the workers (2 per epoch; validation loads in the main process), or none
    assert len(children) >= num_workers, children
    if num_workers == 0:
        assert not children
    assert not (tmp_path / 'interrupted' / final).exists(), 'killed too late to test anything'
    log = train(config, tmp_path / 'interrupted', '--resume')
    assert f'Load checkpoint from {tmp_path / "interrupted" / k}' in log
    assert 'resumed' in log.lower()

    expected = weights(tmp_path / 'uninterrupted' / final)
    resumed = weights(tmp_path / 'interrupted' / final)
    assert expected.keys() == resumed.keys()
    differ = [key for key in expected if not torch.equal(expected[key], resumed[key])]
    assert not differ, f'{len(differ)} of {len(expected)} tensors differ, e.g. {differ[:3]}'
