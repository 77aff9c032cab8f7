"""From nothing to a detector initialised with our own ImageNet-style weights, as a user runs it:
pretrain an HS-ResNet-50 classifier with mmpretrain (tools/train.py), publish it
(tools/model_converters/publish_model.py), and fine-tune the headline detection config from the
published file with only ``model.backbone.init_cfg.checkpoint`` changed."""
import os
import re

import torch
from conftest import HEADLINE_CONFIG, ROOT, run_tool

from mmhsnet.testing import make_imagenet

PRETRAIN_CONFIG = ROOT / 'configs' / 'hsresnet' / 'hsresnet50_8xb32_in1k.py'


def pretrain_config(path, data_root, classes, max_iters=2):
    """A config that inherits the ImageNet config and only points its train dataloader at a
    small folder in ImageNet's layout, with a short iteration-based schedule and no
    validation."""
    path.write_text(
        f"_base_ = '{PRETRAIN_CONFIG}'\n"
        f"model = dict(head=dict(num_classes={len(classes)}))\n"
        "data_preprocessor = dict(num_classes=%d)\n"
        "train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,\n"
        f"    dataset=dict(data_root='{data_root}', metainfo=dict(classes={classes!r})))\n"
        "val_dataloader = None\nval_evaluator = None\nval_cfg = None\n"
        "test_dataloader = None\ntest_evaluator = None\ntest_cfg = None\n"
        f"train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters={max_iters})\n"
        "log_processor = dict(by_epoch=False)\n"
        "param_scheduler = dict(_delete_=True, type='ConstantLR', factor=1.0, by_epoch=False)\n"
        f"default_hooks = dict(logger=dict(interval=1),\n"
        f"    checkpoint=dict(by_epoch=False, interval={max_iters}))\n" % len(classes))
    return path


def test_pretrain_publish_finetune(mini_coco, tmp_path):
    classes = tuple(make_imagenet(tmp_path / 'imagenet', num_train=8, num_val=2)
                    ['metainfo']['classes'])
    cfg = pretrain_config(tmp_path / 'pretrain.py', tmp_path / 'imagenet', classes)
    log = run_tool(ROOT / 'tools' / 'train.py', cfg, '--work-dir', tmp_path / 'pretrain',
                   cwd=tmp_path)
    log = log.stdout + log.stderr
    assert re.search(r'Iter\(train\) \[2/2\].*loss: ', log), log[-2000:]
    trained = tmp_path / 'pretrain' / 'iter_2.pth'

    # publish: weights only, named with the sha256 of the file
    result = run_tool(ROOT / 'tools' / 'model_converters' / 'publish_model.py', trained,
                      tmp_path / 'pub' / 'hsresnet50_shapes.pth', cwd=tmp_path)
    published = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf'{re.escape(str(tmp_path))}/pub/hsresnet50_shapes-[0-9a-f]{{8}}\.pth',
                        published), result.stdout
    ckpt = torch.load(published, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    full = torch.load(trained, map_location='cpu', weights_only=False)
    assert {'optimizer', 'message_hub'} <= set(full)
    assert ckpt['state_dict'].keys() == full['state_dict'].keys()
    assert all(torch.equal(v, full['state_dict'][k]) for k, v in ckpt['state_dict'].items())
    assert any(k.startswith('head.fc.') for k in ckpt['state_dict'])

    # fine-tune the headline detection config from it (a hook records the initialised weights)
    opts = [o for o in mini_coco[2] if not o.startswith('model.backbone.init_cfg')]
    dump = tmp_path / 'dump'
    child = tmp_path / 'finetune.py'
    child.write_text(
        f"_base_ = '{HEADLINE_CONFIG}'\n"
        "custom_imports = dict(imports=['mmhsnet.models', 'rank_weights_hook'],\n"
        "                      allow_failed_imports=False)\n"
        f"custom_hooks = [dict(type='DumpRankWeightsHook', out_dir='{dump}')]\n")
    env = dict(os.environ,
               PYTHONPATH=f'{ROOT / "tests" / "helpers"}:{os.environ.get("PYTHONPATH", "")}')
    result = run_tool(ROOT / 'tools' / 'train.py', child, '--work-dir', tmp_path / 'det',
                      '--cfg-options', *opts, 'train_dataloader.dataset.indices=2',
                      f'model.backbone.init_cfg.checkpoint={published}', cwd=tmp_path, env=env)
    log = result.stdout + result.stderr
    assert re.search(r'Epoch\(train\) \[1\]\[1/1\].*loss: ', log), log[-2000:]
    initialised = torch.load(dump / 'rank0_before.pth', weights_only=True)
    expected = {k[len('backbone.'):]: v for k, v in ckpt['state_dict'].items()
                if k.startswith('backbone.')}
    arrived = {k[len('backbone.'):]: v for k, v in initialised.items()
               if k.startswith('backbone.')}
    assert arrived.keys() == expected.keys()
    assert all(torch.equal(arrived[k], v) for k, v in expected.items())
