# Faster R-CNN + FPN, 1x schedule, COCO, with an HS-ResNet-50 backbone (s=8, base_width=11).
# Everything but the backbone is mmdet's stock ResNet-50 config, the paper's baseline. The
# backbone (network and ImageNet-1k weights) is `hsresnet50` of ../_base_/models/hsresnet.py;
# the rest of it, written here, is mmdet's ResNet-50 detection setting.
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    '../_base_/models/hsresnet.py',
]

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _base_.hsresnet50,
        _delete_=True,  # replaces mmdet's ResNet, none of its arguments kept
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch'))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='coco/bbox_mAP',
        value=0.416,
        source='HS-ResNet paper (arXiv 2010.07621), Faster R-CNN + FPN 1x, COCO'),
]
