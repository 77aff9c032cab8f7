# DeepLabv3+ with ResNeSt-50-D8 (Cityscapes 512x1024, 80k); mmseg ships only ResNeSt-101, this
# follows it on mmseg's ResNet-50-D8 config.
_base_ = 'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    backbone=dict(
        type='mmhsnet.ResNeSt',
        stem_channels=64,
        radix=2,
        reduction_factor=4,
        avg_down_stride=True,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnest50')))

# No published result for this combination.
published = None
