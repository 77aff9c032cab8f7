# HS-ResNet-50 on ImageNet-1k with mmpretrain's ResNet-50-D recipe (resnetv1d50_8xb32_in1k: 100
# epochs, batch 8x32, SGD lr 0.1 with steps at 30/60/90, weight decay 1e-4, random-resized crops
# of 224 and flips): the like-for-like comparison with mmpretrain's ResNet-50-D, whose model zoo
# reports 77.54 top-1. Only the backbone changes: `hsresnet50` of ../_base_/models/hsresnet.py,
# trained from scratch here (this is where its ImageNet weights come from), its last stage into
# mmpretrain's global average pooling and linear head (2048 -> 1000).
#
# Publish the result for the downstream configs (they read it with prefix='backbone.'):
#   python tools/model_converters/publish_model.py work_dirs/hsresnet50_8xb32_in1k/epoch_100.pth \
#       checkpoints/hsresnet50_8xb32_in1k.pth
_base_ = [
    'mmpretrain::resnet/resnetv1d50_8xb32_in1k.py',
    '../_base_/models/hsresnet.py',
]

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _base_.hsresnet50,
        _delete_=True,  # replaces mmpretrain's ResNetV1d, none of its arguments kept
        out_indices=(3, ),
        init_cfg=None))  # pretraining starts from scratch

# No published result for this recipe (the HS-ResNet paper trained 300 epochs, see
# hsresnet50_8xb32-coslr-lbs-mixup-300e_in1k.py); mmpretrain's ResNet-50-D reaches 77.54.
published = None
