"""A hook for tests: every rank saves its model weights before and after training."""
import os

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DumpRankWeightsHook(Hook):
    """Writes ``rank{r}_before.pth`` (after weight initialisation, before the first step) and
    ``rank{r}.pth`` (after the last step) into ``out_dir``: ``{name: tensor}`` on the CPU."""

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def _dump(self, runner, suffix):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()},
                   os.path.join(self.out_dir, f'rank{get_rank()}{suffix}.pth'))

    def before_train(self, runner):
        self._dump(runner, '_before')

    def after_train(self, runner):
        self._dump(runner, '')
