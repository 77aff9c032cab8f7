# DeepLabv3+, Cityscapes 512x1024, 80k: mmseg's stock ResNet-50-D8 config with a dilated
# HS-ResNet-50 (output stride 8, as mmseg's -d8 backbones): `hsresnet50` (network and
# ImageNet-1k weights) of ../_base_/models/hsresnet.py, with the -d8 setting written here.
_base_ = [
    'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',
    '../_base_/models/hsresnet.py',
]

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)

model = dict(
    # the stock config initialises through the segmentor's `pretrained`; ours uses init_cfg
    pretrained=None,
    backbone=dict(
        _base_.hsresnet50,
        _delete_=True,  # replaces mmseg's ResNetV1c, none of its arguments kept
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        contract_dilation=True,
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch'))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='mIoU',
        value=79.8,
        source='HS-ResNet paper (arXiv 2010.07621), DeepLabv3+, Cityscapes val'),
]
