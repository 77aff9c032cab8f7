"""Hooks for mmengine's Runner."""
import random

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook

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

    In distributed training every rank's generators are saved (``'random_states'``, gathered
    where the CheckpointHook may save) and each rank restores its own; resuming with another
    number of processes logs a warning. Tested exact (tests/test_tools/test_resume.py) with
    ``num_workers=0`` for both kinds of loop, with non-persistent workers for epoch-based
    loops, and on two processes (one killed); not with
    ``persistent_workers`` (persistent workers keep their own generators across epochs, which
    no checkpoint holds). ``tools/train.py`` and ``tools/demo.py`` add this hook to every
    config that lacks it.
    """
    priority = 'NORMAL'  # after_train_*: before the CheckpointHook ('VERY_LOW') saves

    def __init__(self):
        self.state = None  # this process's
        self.states = None  # every rank's, gathered where a checkpoint may be saved

    def _record(self, gather):
        self.state = get_random_state()
        if gather:  # a collective: every rank calls it at the same step
            self.states = all_gather_object(self.state)

    @staticmethod
    def _checkpoint_may_follow(runner):
        """Whether the CheckpointHook may save after this iteration (its own test)."""
        hook = next((h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
        return hook is None or not hook.by_epoch and (
            hook.every_n_train_iters(runner, hook.interval, hook.save_begin)
            or hook.save_last and hook.is_last_train_iter(runner))

    # Only rank 0 saves checkpoints, but every rank draws its own random numbers: in
    # distributed runs they are gathered whenever the CheckpointHook may save next.
    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._record(get_world_size() > 1 and self._checkpoint_may_follow(runner))

    def after_train_epoch(self, runner):
        self._record(get_world_size() > 1)

    def before_save_checkpoint(self, runner, checkpoint):
        if self.state is not None:
            checkpoint['random_state'] = self.state
        if get_world_size() > 1 and self.states is not None:
            checkpoint['random_states'] = self.states

    def after_load_checkpoint(self, runner, checkpoint):
        # Only called when resuming (Runner.resume), not for load_from.
        states, world_size = checkpoint.get('random_states'), get_world_size()
        if states is not None and len(states) == world_size:
            self.state = states[get_rank()]
            return
        self.state = checkpoint.get('random_state')
        saved = len(states) if states is not None else 1
        if self.state is not None and saved != world_size:
            runner.logger.warning(
                f'RandomStateHook: the checkpoint holds the random states of {saved} '
                f'process(es), this run has {world_size}: every process continues from rank '
                "0's, so the run is not the one an uninterrupted run would have been")

    def before_train_epoch(self, runner):
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):  # IterBasedTrainLoop: one epoch in all
            # The loop skips the batches trained before (runner.iter of them) next.
            loop.dataloader_iterator = _RestoreBeforeNext(loop.dataloader_iterator,
                                                          runner.iter, self)
        elif self.state is not None:
            set_random_state(self.state)
