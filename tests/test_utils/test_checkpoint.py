import copy
import os
import pickle

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint
from torch.utils.data import Dataset

import mmhsnet  # noqa: F401  (applies the fix, as our tools and configs do)
from mmhsnet.utils import load_weights, needs_mmengine_compat


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=((out - labels)**2).mean())
        return out


class ToyDataset(Dataset):
    METAINFO = dict()
    inputs = torch.linspace(-1, 1, 24).view(12, 2)
    labels = inputs.sum(1, keepdim=True) * 3 + 1

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, i):
        return dict(inputs=self.inputs[i], labels=self.labels[i])


class CodeInPickle:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


class RecordStart(Hook):
    """Records where training starts (after any resume): iteration, weight, optimizer state."""

    def before_train(self, runner):
        self.iter = runner.iter
        self.weight = runner.model.linear.weight.detach().clone()
        self.optimizer = copy.deepcopy(runner.optim_wrapper.optimizer.state_dict())


def make_runner(work_dir, max_iters, resume=False, hooks=()):
    with torch.random.fork_rng(devices=[]):  # the same initial weights in every run
        torch.manual_seed(0)
        model = ToyModel()
    return Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            batch_size=3,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        resume=resume,
        custom_hooks=list(hooks),
        randomness=dict(seed=0),
        experiment_name=f'toy_{max_iters}_{resume}')


def test_runner_resumes_from_its_own_checkpoint(tmp_path):
    runner = make_runner(tmp_path, max_iters=2)
    runner.train()
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.is_file()
    weights_at_2 = runner.model.linear.weight.detach().clone()

    if needs_mmengine_compat():
        # Without the fix this is what mmengine 0.10.7 hits under torch >= 2.6.
        with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer|Weights only load'):
            torch.load(ckpt)

    start = RecordStart()
    resumed = make_runner(tmp_path, max_iters=4, resume=True, hooks=[start])
    resumed.train()
    assert start.iter == 2 and torch.equal(start.weight, weights_at_2)
    assert resumed.iter == 4
    assert (tmp_path / 'iter_4.pth').is_file()
    # the optimizer state came back too: before its first step the resumed run holds the SGD
    # momentum buffers of the first run's two steps (the same values as in iter_2.pth)
    saved = torch.load(ckpt, weights_only=False)['optimizer']['state']
    restored = start.optimizer['state']
    assert sorted(restored) == sorted(saved) == [0, 1]  # linear.weight, linear.bias
    for i in saved:
        buffer = restored[i]['momentum_buffer']
        assert torch.equal(buffer, saved[i]['momentum_buffer'])
        assert buffer.abs().sum() > 0
    # and it is used: the resumed run ends where an uninterrupted 4-iteration run ends (a run
    # resumed with fresh momentum would end elsewhere)
    uninterrupted = make_runner(tmp_path / 'uninterrupted', max_iters=4)
    uninterrupted.train()
    for name, value in uninterrupted.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name
    assert not torch.equal(resumed.model.linear.weight, weights_at_2)
    state = torch.load(tmp_path / 'iter_4.pth', weights_only=False)
    assert state['meta']['iter'] == 4


def test_the_fix_is_limited_to_runner_load_checkpoint(tmp_path):
    runner = make_runner(tmp_path, max_iters=1)
    runner.train()
    if needs_mmengine_compat():
        # outside Runner.load_checkpoint (e.g. init_cfg=Pretrained) loading stays weights_only
        with pytest.raises(pickle.UnpicklingError):
            _load_checkpoint(str(tmp_path / 'iter_1.pth'), map_location='cpu')
    # a plain state dict still loads through mmengine's helpers
    torch.save(runner.model.state_dict(), tmp_path / 'plain.pth')
    model = ToyModel()
    load_checkpoint(model, str(tmp_path / 'plain.pth'), map_location='cpu')
    assert torch.equal(model.linear.weight, runner.model.linear.weight)


def test_code_in_a_weight_file_is_refused(tmp_path):
    marker = tmp_path / 'code_ran'
    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'payload': CodeInPickle(marker)}, evil)
    with pytest.raises(RuntimeError, match='Refused to load .*nothing in it was executed'):
        load_weights(evil)
    assert not marker.exists()
    # pretrained initialisation through mmengine (init_cfg) refuses it as well
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(ToyModel(), str(evil), map_location='cpu')
    assert not marker.exists()
    # the payload is real: unpickling without protection runs it
    torch.load(evil, weights_only=False)
    assert marker.exists()


def test_load_weights_errors(tmp_path):
    good = tmp_path / 'good.pth'
    torch.save({'w': torch.arange(1000.)}, good)
    assert torch.equal(load_weights(good)['w'], torch.arange(1000.))
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(RuntimeError, match='truncated or corrupt'):
        load_weights(truncated)
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint at all')
    with pytest.raises(RuntimeError, match='truncated or corrupt|Refused'):
        load_weights(garbage)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_weights(tmp_path / 'missing.pth')


def test_pretrained_checkpoint_of_another_architecture_is_refused(tmp_path):
    """mmengine only warns when pretrained weights do not fit (and trains on with random
    ones); our backbones stop and list what does not fit."""
    from mmhsnet.models import HSResNet, ResNeSt
    small = dict(num_stages=3, strides=(1, 2, 2), dilations=(1, 1, 1), out_indices=(0, 1, 2))
    deeper = tmp_path / 'hsr101.pth'
    torch.save({'state_dict': HSResNet(depth=101, **small).state_dict()}, deeper)
    other = tmp_path / 'resnest50.pth'
    theirs = ResNeSt(depth=50, **small).state_dict()
    torch.save(theirs, other)

    model = HSResNet(depth=50, **small, init_cfg=dict(type='Pretrained', checkpoint=str(other)))
    with pytest.raises(ValueError) as err:
        model.init_weights()
    message = str(err.value)
    assert message.startswith(f"init_cfg.checkpoint='{other}' does not fit: The checkpoint does "
                              'not fit HSResNet(depth=50): blocks per stage in the checkpoint '
                              '(3, 4, 6), in the model (3, 4, 6).')
    assert 'missing keys: layer1.0.conv2.convs.0.conv.weight' in message
    assert 'unexpected keys: layer1.0.conv2.conv.weight' in message
    assert (f"shape mismatches: layer1.0.conv1.weight: checkpoint "
            f"{tuple(theirs['layer1.0.conv1.weight'].shape)} vs model (88, 64, 1, 1)") in message

    # a classifier checkpoint with a 'backbone.' prefix, read with init_cfg's prefix
    classifier = tmp_path / 'hsr101_cls.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               HSResNet(depth=101, **small).state_dict().items()}}, classifier)
    with pytest.raises(ValueError, match=r'blocks per stage in the checkpoint \(3, 4, 23\)'):
        HSResNet(depth=50, **small, init_cfg=dict(type='Pretrained', checkpoint=str(classifier),
                                                  prefix='backbone.')).init_weights()
    with pytest.raises(ValueError, match=r'blocks per stage in the checkpoint \(3, 4, 23\)'):
        HSResNet(depth=50, **small, init_cfg=dict(type='Pretrained',
                                                  checkpoint=str(deeper))).init_weights()
    # what fits loads; extra keys (an ImageNet classifier's fc) are fine
    state = HSResNet(depth=50, **small).state_dict()
    fitting = tmp_path / 'hsr50_cls.pth'
    torch.save({'state_dict': {**{f'backbone.{k}': v for k, v in state.items()},
                               'head.fc.weight': torch.zeros(10, 4)}}, fitting)
    model = HSResNet(depth=50, **small, init_cfg=dict(type='Pretrained', checkpoint=str(fitting),
                                                      prefix='backbone.'))
    model.init_weights()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())
