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


def check_published(published):
    """Check a config's ``published`` entry and return it as a list.

    Args:
        published (dict | list[dict] | None): ``dict(metric=KEY, value=NUMBER, source=TEXT)``
            or a list of them: the published result a config is meant to reproduce, with the
            metric key of the config's evaluator (e.g. ``'coco/bbox_mAP'``) and the value in
            its scale (COCO AP in [0, 1], mIoU and top-1 in percent).

    Returns:
        list[dict]: The entries.

    Raises:
        ValueError: An entry lacks a key or its value is not a number.
    """
    entries = [] if published is None else (
        list(published) if isinstance(published, (list, tuple)) else [published])
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {'metric', 'value', 'source'} or \
                isinstance(entry['value'], bool) or \
                not isinstance(entry['value'], (int, float)) or \
                not isinstance(entry['metric'], str) or not isinstance(entry['source'], str):
            raise ValueError(f'published entries must be dict(metric=str, value=number, '
                             f'source=str), got {entry!r}')
    return entries


def format_published(metrics, published):
    """One line per published result: ours (from ``metrics``) beside it, e.g.
    ``coco/bbox_mAP 0.402 (published 0.416: HS-ResNet paper, Faster R-CNN + FPN 1x)``.

    Args:
        metrics (dict): What the evaluator returned.
        published (dict | list[dict] | None): See :func:`check_published`.

    Returns:
        list[str]: The lines (``ours: not reported`` where the evaluator has no such key).
    """
    lines = []
    for entry in check_published(published):
        digits = 3 if abs(entry['value']) <= 1 else 2
        ours = metrics.get(entry['metric'])
        ours = 'not reported' if ours is None else f'{float(ours):.{digits}f}'
        lines.append(f"{entry['metric']} {ours} (published {entry['value']:.{digits}f}: "
                     f"{entry['source']})")
    return lines


@HOOKS.register_module()
class PublishedResultHook(Hook):
    """Log the result of a config beside the published one it is meant to reproduce, after the
    last validation of a training and after a test.

    ``tools/train.py`` and ``tools/test.py`` add it when the config has a ``published`` entry
    (:func:`check_published`).

    Args:
        published (dict | list[dict]): The published results.
    """

    priority = 'LOW'  # after the evaluator's own logging

    def __init__(self, published):
        self.published = check_published(published)

    def _log(self, runner, metrics, what):
        lines = format_published(metrics or {}, self.published)
        if lines:
            runner.logger.info(f'{what} beside the published result:\n' + '\n'.join(
                f'  {line}' for line in lines))

    def after_val_epoch(self, runner, metrics=None):
        loop = runner._train_loop  # a dict until the Runner builds it (test-only runs)
        if hasattr(loop, 'max_iters') and runner.iter >= loop.max_iters:
            self._log(runner, metrics, 'Last validation')

    def after_test_epoch(self, runner, metrics=None):
        self._log(runner, metrics, 'Test')
