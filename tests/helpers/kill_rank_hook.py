"""A hook for tests: one rank of a distributed run kills itself (SIGKILL) at the start of an
epoch, after every rank has reached it (so rank 0 has written the previous epoch's
checkpoint)."""
import os
import signal

from mmengine.dist import barrier, get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class KillRankHook(Hook):

    def __init__(self, rank, epoch):
        self.rank = rank
        self.epoch = epoch

    def before_train_epoch(self, runner):
        if runner.epoch == self.epoch:
            barrier()
            if get_rank() == self.rank:
                os.kill(os.getpid(), signal.SIGKILL)
