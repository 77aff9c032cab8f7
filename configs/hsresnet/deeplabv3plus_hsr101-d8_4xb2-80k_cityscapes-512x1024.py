_base_ = './deeplabv3plus_hsr50-d8_4xb2-80k_cityscapes-512x1024.py'

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/hsresnet101_s8w11_in1k.pth')))
