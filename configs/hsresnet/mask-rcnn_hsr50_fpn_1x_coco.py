# Mask R-CNN + FPN, 1x, COCO: mmdet's stock ResNet-50 config with an HS-ResNet-50 backbone.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmhsnet.HSResNet',
        depth=50,
        scales=8,
        base_width=11,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/hsresnet50_s8w11_in1k.pth')))
