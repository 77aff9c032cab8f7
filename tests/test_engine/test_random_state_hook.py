"""RandomStateHook's checkpoint contents when the number of processes changes."""
import logging
from types import SimpleNamespace

from mmhsnet.engine.hooks import RandomStateHook, get_random_state


class ListHandler(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_resume_with_another_number_of_processes_warns():
    logger = logging.getLogger('test_random_state_hook')
    handler = ListHandler()
    logger.addHandler(handler)
    runner = SimpleNamespace(logger=logger)
    rank0, rank1 = get_random_state(), get_random_state()
    hook = RandomStateHook()
    # written by two processes, resumed by one: rank 0's state, and a warning
    hook.after_load_checkpoint(runner, dict(random_state=rank0, random_states=[rank0, rank1]))
    assert hook.state is rank0
    assert handler.messages == [
        'RandomStateHook: the checkpoint holds the random states of 2 process(es), this run has '
        "1: every process continues from rank 0's, so the run is not the one an uninterrupted "
        'run would have been']
    # written and resumed by one process: no warning
    handler.messages.clear()
    hook.after_load_checkpoint(runner, dict(random_state=rank0))
    assert hook.state is rank0 and handler.messages == []
    # a single-process run saves no per-rank list
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    assert set(checkpoint) == {'random_state'}
