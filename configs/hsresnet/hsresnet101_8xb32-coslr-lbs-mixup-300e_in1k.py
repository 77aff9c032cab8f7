# HS-ResNet-101 on ImageNet-1k with the paper's recipe, as
# hsresnet50_8xb32-coslr-lbs-mixup-300e_in1k.py. The paper reports no HS-ResNet-101 accuracy.
_base_ = './hsresnet50_8xb32-coslr-lbs-mixup-300e_in1k.py'

model = dict(backbone=dict(_base_.hsresnet101, init_cfg=None))

published = None
