# The HS-ResNet-50 config with HS-ResNet-101: `hsresnet101` (network and ImageNet-1k weights) of
# ../_base_/models/hsresnet.py, which the -50 config inherits, replaces the keys of `hsresnet50`;
# the detection setting (frozen stages, norms, ...) stays that of the -50 config.
_base_ = './mask-rcnn_hsr50_fpn_1x_coco.py'

model = dict(backbone=_base_.hsresnet101)

# No published result for this combination.
published = None
