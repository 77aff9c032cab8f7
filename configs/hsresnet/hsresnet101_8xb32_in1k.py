# HS-ResNet-101 on ImageNet-1k with mmpretrain's ResNet-D recipe, as hsresnet50_8xb32_in1k.py
# (mmpretrain's ResNet-101-D on it: 78.93 top-1 in its model zoo).
_base_ = './hsresnet50_8xb32_in1k.py'

model = dict(backbone=dict(_base_.hsresnet101, init_cfg=None))

published = None
