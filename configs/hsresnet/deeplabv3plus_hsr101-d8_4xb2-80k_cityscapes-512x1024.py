# The HS-ResNet-50-D8 config with HS-ResNet-101: `hsresnet101` (network and ImageNet-1k weights)
# of ../_base_/models/hsresnet.py, which the -50 config inherits, replaces the keys of
# `hsresnet50`; the -d8 setting (strides, dilations, SyncBN, ...) stays that of the -50 config.
_base_ = './deeplabv3plus_hsr50-d8_4xb2-80k_cityscapes-512x1024.py'

model = dict(backbone=_base_.hsresnet101)

# No published result for this combination.
published = None
