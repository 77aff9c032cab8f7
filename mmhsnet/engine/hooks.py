"""Hooks for mmengine's Runner."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from ..registry import HOOKS


def get_random_state():
    """The states of Python's, numpy's and torch's (CPU and CUDA) global generators."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state):
    """Restore what :func:`get_random_state` returned."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreBeforeNext:
    """Wraps a loop's data iterator: after ``skip`` batches, every batch is drawn with the
    random state the hook recorded at the end of the previous iteration."""

    def __init__(self, iterator, skip, hook):
        self.iterator = iterator
        self.skip = skip
        self.hook = hook

    def __iter__(self):
        return self

    def __next__(self):
        if self.skip > 0:
            self.skip -= 1
        elif self.hook.state is not None:
            set_random_state(self.hook.state)
        return next(self.iterator)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Makes a resumed training bit-identical to an uninterrupted one.

    mmengine saves weights, optimizer, schedulers and the iteration in a checkpoint, but not the
    global random generators that data augmentation (numpy, Python) and the models' samplers
    (torch) draw from. After ``--resume`` they restart from the seed, and an iteration-based
    loop even replays the pipeline of every skipped batch, so the run diverges.

    This hook records the generators' states at the end of every training iteration and
    epoch, stores the latest in each checkpoint (key ``'random_state'``) and restores it
    right before the next batch is drawn: at the start of each epoch (epoch-based loops) or
    before each ``next()`` of the data iterator after the skipped batches (iteration-based
    loops). An uninterrupted run restores too, so whatever runs in between (validation,
    logging, saving) cannot change the training's random numbers, and both runs draw the same.

    Tested exact (tests/test_tools/test_resume.py) with ``num_workers=0`` for both kinds of
    loop and with non-persistent workers for epoch-based loops; not with
    ``persistent_workers`` (persistent workers keep their own generators across epochs, which
    no checkpoint holds). ``tools/train.py`` and ``tools/demo.py`` add this hook to every
    config that lacks it.
    """
    priority = 'NORMAL'  # after_train_*: before the CheckpointHook ('VERY_LOW') saves

    def __init__(self):
        self.state = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.state = get_random_state()

    def after_train_epoch(self, runner):
        self.state = get_random_state()

    def before_save_checkpoint(self, runner, checkpoint):
        if self.state is not None:
            checkpoint['random_state'] = self.state

    def after_load_checkpoint(self, runner, checkpoint):
        # Only called when resuming (Runner.resume), not for load_from.
        self.state = checkpoint.get('random_state')

    def before_train_epoch(self, runner):
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):  # IterBasedTrainLoop: one epoch in all
            # The loop skips the batches trained before (runner.iter of them) next.
            loop.dataloader_iterator = _RestoreBeforeNext(loop.dataloader_iterator,
                                                          runner.iter, self)
        elif self.state is not None:
            set_random_state(self.state)
