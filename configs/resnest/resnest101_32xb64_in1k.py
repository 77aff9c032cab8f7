# ResNeSt-101 on ImageNet-1k with mmpretrain's ResNeSt recipe (resnest101_32xb64_in1k: as -50,
# with 256 crops and a 128-channel stem), with mmhsnet's ResNeSt (mmdet's keys).
_base_ = 'mmpretrain::resnest/resnest101_32xb64_in1k.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,  # replaces mmpretrain's ResNeSt, none of its arguments kept
        type='mmhsnet.ResNeSt',
        depth=101,  # stem_channels: 128, as mmpretrain's
        out_indices=(3, ),
        style='pytorch'))

# mmpretrain 1.2.0's ResNeSt configs define no val_cfg / test_cfg, so they do not run as
# shipped (mmengine refuses a val_dataloader and val_evaluator without a val_cfg).
train_cfg = dict(val_interval=1)
val_cfg = dict()
test_cfg = dict()

published = [
    dict(
        metric='accuracy/top1',
        value=82.83,
        source='official ResNeSt PyTorch weights (zhanghang1989/ResNeSt README), crop 256'),
]
