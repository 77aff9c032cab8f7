# Faster R-CNN + FPN, 1x schedule, COCO, with an HS-ResNet-50 backbone (s=8, base_width=11).
# Everything but the backbone is mmdet's stock ResNet-50 config, the paper's baseline.
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'

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
        # ImageNet-1k weights of this exact definition; see "Pretrained weights" in the README.
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/hsresnet50_s8w11_in1k.pth')))
