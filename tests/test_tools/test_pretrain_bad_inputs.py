"""Bad input on the way from pretraining to fine-tuning: one ``error:`` that names the file and
what is wrong (docs/troubleshooting.md lists each case). The checks are the ones tools/train.py
runs before building anything; one case goes through the tool itself."""
import os
import shutil

import pytest
import torch
from conftest import HEADLINE_CONFIG, ROOT, run_tool
from mmengine.config import Config
from test_pretrain_pipeline import pretrain_config

from mmhsnet.apis import InputError, check_data_paths, check_pretrained_checkpoints
from mmhsnet.models import HSResNet, ResNeSt
from mmhsnet.testing import make_imagenet


@pytest.fixture(scope='module')
def imagenet(tmp_path_factory):
    root = tmp_path_factory.mktemp('imagenet')
    return root, tuple(make_imagenet(root, num_train=5, num_val=5)['metainfo']['classes'])


def classification_config(tmp_path, root, classes, **extra):
    cfg = Config.fromfile(pretrain_config(tmp_path / 'pretrain.py', root, classes))
    cfg.merge_from_dict(extra)
    return cfg


def test_missing_meta_list_of_a_flat_folder(imagenet, tmp_path):
    """ImageNet's val/ holds images without class folders: its meta/val.txt is needed."""
    root = tmp_path / 'imagenet'
    shutil.copytree(imagenet[0], root)
    os.remove(root / 'meta' / 'val.txt')
    cfg = classification_config(tmp_path, root, imagenet[1])
    cfg.train_dataloader.dataset.split = 'val'
    with pytest.raises(InputError) as err:
        check_data_paths(cfg, ('train', ))
    assert str(err.value) == (
        f"train_dataloader.dataset: '{root}/val' holds 5 images and no class folders, and "
        f"there is no '{root}/meta/val.txt' that labels them.\n  ImageNet's layout: "
        "meta/<split>.txt with one 'path label' line per image, or one sub-folder of images "
        'per class')
    # without meta/train.txt the class folders of train/ are the labels, as in mmpretrain
    os.remove(root / 'meta' / 'train.txt')
    check_data_paths(classification_config(tmp_path, root, imagenet[1]), ('train', ))


@pytest.mark.parametrize('lines,message', [
    ('circle/circle_00000.JPEG\n', "line 1 of '{ann}' is 'circle/circle_00000.JPEG'; each line "
     "must be 'path label'"),
    ('circle_00000.JPEG 0\n', "'{ann}' lists 'circle_00000.JPEG', which is not in "
     "'{root}/train': data_root, split or data_prefix does not match the layout of the list"),
    ('circle/circle_00000.JPEG 0\nsquare/square_00001.JPEG 7\n',
     "'{ann}' has labels 0..7, the model's head predicts 5 classes (model.head.num_classes): "
     'they must be in 0..4'),
    ('\n', "the annotation file '{ann}' is empty"),
])
def test_bad_meta_list(imagenet, tmp_path, lines, message):
    root = tmp_path / 'imagenet'
    shutil.copytree(imagenet[0], root)
    ann = root / 'meta' / 'train.txt'
    ann.write_text(lines)
    with pytest.raises(InputError, match='train_dataloader.dataset: ') as err:
        check_data_paths(classification_config(tmp_path, root, imagenet[1]), ('train', ))
    assert message.format(ann=ann, root=root) in str(err.value)


def test_split_folder_missing(imagenet, tmp_path):
    cfg = classification_config(tmp_path, tmp_path / 'nowhere', imagenet[1])
    with pytest.raises(InputError, match=r"'.*/nowhere/train' does not exist \(data_root="
                                         r"'.*/nowhere', split='train'\)"):
        check_data_paths(cfg, ('train', ))


def classifier_file(path, backbone, prefix='backbone.'):
    state = {f'{prefix}{k}': v for k, v in backbone.state_dict().items()}
    state['head.fc.weight'] = torch.zeros(5, 2048)
    torch.save({'state_dict': state, 'meta': {}}, path)
    return path


@pytest.mark.parametrize('backbone,message', [
    (lambda: HSResNet(depth=101), 'blocks per stage in the checkpoint (3, 4, 23, 3), in the '
     'model (3, 4, 6, 3)'),
    (lambda: HSResNet(depth=50, base_width=14), 'shape mismatches: layer1.0.conv1.weight: '
     'checkpoint (112, 64, 1, 1) vs model (88, 64, 1, 1)'),
    (lambda: ResNeSt(depth=50), 'missing keys: layer1.0.conv2.convs.0.conv.weight'),
])
def test_classifier_of_another_network_given_to_a_detector(tmp_path, backbone, message):
    ckpt = classifier_file(tmp_path / 'cls.pth', backbone())
    cfg = Config.fromfile(HEADLINE_CONFIG)
    cfg.model.backbone.init_cfg.checkpoint = str(ckpt)
    with pytest.raises(InputError) as err:
        check_pretrained_checkpoints(cfg)
    assert str(err.value).startswith(
        f"model.backbone.init_cfg.checkpoint='{ckpt}' does not fit: The checkpoint does not "
        'fit HSResNet(depth=50)')
    assert message in str(err.value)


def test_backbone_only_file_given_with_prefix(tmp_path):
    ckpt = classifier_file(tmp_path / 'backbone.pth', HSResNet(depth=50), prefix='')
    cfg = Config.fromfile(HEADLINE_CONFIG)
    cfg.model.backbone.init_cfg.checkpoint = str(ckpt)
    with pytest.raises(InputError) as err:
        check_pretrained_checkpoints(cfg)
    assert str(err.value).startswith(
        f"model.backbone.init_cfg.checkpoint='{ckpt}': no key of the checkpoint starts with "
        "prefix='backbone.'\n  It holds a state dict without that prefix (a backbone's own "
        'weights?): read it with model.backbone.init_cfg.prefix=None')
    # as the message says
    cfg.model.backbone.init_cfg.prefix = None
    check_pretrained_checkpoints(cfg)


def test_training_checkpoint_where_weights_only_are_needed(mini_coco, tmp_path):
    """An mmengine checkpoint (optimizer, message hub) is not loaded by init_cfg (it would be
    unpickled with code execution); the message says how to publish it. Through the tool."""
    from mmengine.logging import HistoryBuffer
    ckpt = classifier_file(tmp_path / 'epoch_100.pth', HSResNet(depth=50))
    full = torch.load(ckpt, weights_only=True)
    full['message_hub'] = {'log_scalars': {'train/loss': HistoryBuffer()}}
    torch.save(full, ckpt)
    opts = [o for o in mini_coco[2] if not o.startswith('model.backbone.init_cfg')]
    result = run_tool(ROOT / 'tools' / 'train.py', HEADLINE_CONFIG, '--work-dir', tmp_path,
                      '--cfg-options', *opts, f'model.backbone.init_cfg.checkpoint={ckpt}',
                      cwd=tmp_path, ok=False)
    assert result.returncode == 2
    assert (f"error: model.backbone.init_cfg.checkpoint='{ckpt}': Refused to load '{ckpt}': it "
            'is not a plain weight file') in result.stderr
    assert 'tools/model_converters/publish_model.py' in result.stderr
    # published, it loads
    result = run_tool(ROOT / 'tools' / 'model_converters' / 'publish_model.py', ckpt,
                      tmp_path / 'hsr50.pth', cwd=tmp_path)
    cfg = Config.fromfile(HEADLINE_CONFIG)
    cfg.model.backbone.init_cfg.checkpoint = result.stdout.strip()
    check_pretrained_checkpoints(cfg)
