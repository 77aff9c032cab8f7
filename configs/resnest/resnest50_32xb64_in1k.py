# ResNeSt-50 on ImageNet-1k with mmpretrain's ResNeSt recipe (resnest50_32xb64_in1k: 270
# epochs, batch 32x64, SGD lr 0.8 with 5 warm-up epochs and cosine decay, label smoothing 0.1,
# mixup 0.2, RandAugment, 224 crops), with mmhsnet's ResNeSt (mmdet's keys, so the result loads
# into every ResNeSt downstream config).
_base_ = 'mmpretrain::resnest/resnest50_32xb64_in1k.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,  # replaces mmpretrain's ResNeSt, none of its arguments kept
        type='mmhsnet.ResNeSt',
        depth=50,
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
        value=81.03,
        source='official ResNeSt PyTorch weights (zhanghang1989/ResNeSt README), crop 224'),
]
