"""Another project inherits our configs with ``_base_ = 'mmhsnet::...'``, as it would mmdet's.

mmengine finds ``mmhsnet::<path>`` in ``<installed mmhsnet>/.mim/configs/<path>``; setup.py links
(editable install) or copies ``configs/`` and ``tools/`` there.
"""
import os.path as osp

from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

import mmhsnet

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_mim_folder_holds_configs_and_tools():
    mim = osp.join(osp.dirname(mmhsnet.__file__), '.mim')
    for name in ('configs', 'tools'):
        assert osp.isdir(osp.join(mim, name)), (
            f'{mim}/{name} is missing; setup.py creates it (add_mim_extension) at '
            'installation: run `pip install -e .` again')
        assert osp.samefile(osp.join(mim, name), osp.join(REPO_ROOT, name))


def test_config_outside_the_repo_inherits_ours(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / 'my_faster_rcnn.py'
    config.write_text("_base_ = 'mmhsnet::hsresnet/faster-rcnn_hsr50_fpn_1x_coco.py'\n"
                      'model = dict(roi_head=dict(bbox_head=dict(num_classes=3)))\n')
    cfg = Config.fromfile(str(config))
    assert cfg.default_scope == 'mmdet'
    assert cfg.model.backbone.type == 'mmhsnet.HSResNet'
    assert cfg.model.roi_head.bbox_head.num_classes == 3

    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'FasterRCNN'
    assert type(model.backbone).__name__ == 'HSResNet'
    assert model.roi_head.bbox_head.num_classes == 3
