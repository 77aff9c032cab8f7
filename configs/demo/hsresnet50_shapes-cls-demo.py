# ImageNet-style pretraining on generated data: the HS-ResNet-50 of the README demo (half width)
# as an mmpretrain classifier of "shapes": one shape per 96x96 image, the shape is the class,
# drawn as in the detection demo's data (mmhsnet.testing.make_imagenet, in ImageNet's layout).
# It inherits hsresnet/hsresnet50_8xb32_in1k.py and shrinks what a 2-core CPU needs: the data,
# the width, the crops (whole images: a crop could cut the shape away), an iteration-based
# schedule, and the learning rate with the batch.
#
#   python tools/misc/make_mini_datasets.py data/shapes-cls --only imagenet \
#       --num-train 4000 --num-val 500
#   python tools/train.py configs/demo/hsresnet50_shapes-cls-demo.py
#   python tools/model_converters/publish_model.py \
#       work_dirs/hsresnet50_shapes-cls-demo/iter_600.pth checkpoints/hsresnet50-half_shapes.pth
#
# The published file initialises the backbone of configs/demo/faster-rcnn_hsr50_fpn_shapes-demo.py
# (docs/reproduce.md, "Pretraining on generated data", has the comparison with training from
# scratch).
_base_ = '../hsresnet/hsresnet50_8xb32_in1k.py'

data_root = 'data/shapes-cls/imagenet/'
classes = ('circle', 'square', 'triangle', 'star', 'cross')

model = dict(
    backbone=dict(base_channels=32),  # as the detection demo: half width
    head=dict(num_classes=len(classes), in_channels=1024, topk=(1, )))
data_preprocessor = dict(num_classes=len(classes))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=1,
    dataset=dict(data_root=data_root, metainfo=dict(classes=classes), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, ))
test_evaluator = val_evaluator

max_iters = 600
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=200)
# The recipe's learning rate for its batch of 256 (0.1), scaled to this batch of 32 as
# --auto-scale-lr would (0.1 at batch 32 diverges here).
optim_wrapper = dict(optimizer=dict(lr=0.0125))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-4),
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=200, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)

# Generated data: no published result.
published = None
