# mmseg's ResNeSt-101 DeepLabv3+ (Cityscapes 512x1024, 80k) with mmhsnet.ResNeSt.
_base_ = 'mmseg::resnest/resnest_s101-d8_deeplabv3plus_4xb2-80k_cityscapes-512x1024.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    pretrained=None,
    backbone=dict(
        type='mmhsnet.ResNeSt',
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnest101')))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='mIoU',
        value=79.62,
        source='mmseg model zoo, resnest_s101-d8_deeplabv3plus_4xb2-80k_cityscapes-512x1024'),
]
