# Mask R-CNN + FPN, 1x, COCO: mmdet's stock ResNet-50 config with an HS-ResNet-50 backbone:
# `hsresnet50` (network and ImageNet-1k weights) of ../_base_/models/hsresnet.py, with mmdet's
# ResNet-50 detection setting written here.
_base_ = [
    'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py',
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

# No published result for this combination.
published = None
