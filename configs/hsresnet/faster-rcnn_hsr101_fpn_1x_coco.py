_base_ = './faster-rcnn_hsr50_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/hsresnet101_s8w11_in1k.pth')))
