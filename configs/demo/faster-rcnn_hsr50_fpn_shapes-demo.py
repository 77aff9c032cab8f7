# The README demo: Faster R-CNN + FPN with an HS-ResNet-50 backbone, trained from scratch on
# "shapes", a synthetic COCO-format dataset that tools/demo.py generates into data/shapes/ on
# first use. It inherits the headline COCO config and only shrinks what a 2-core CPU needs:
# small images, a narrower network, fewer RoIs, a short schedule, and no ImageNet weights.
_base_ = '../hsresnet/faster-rcnn_hsr50_fpn_1x_coco.py'

data_root = 'data/shapes/'
metainfo = dict(
    classes=('circle', 'square', 'triangle', 'star', 'cross'),
    palette=[(220, 40, 40), (40, 190, 60), (40, 80, 230), (240, 210, 30), (200, 50, 210)])
# What tools/demo.py generates into data_root (arguments of
# mmhsnet.testing.make_coco_instances; the classes are metainfo's). Val is the held-out split.
shapes_dataset = dict(
    num_train=1600,
    num_val=200,
    img_size=(160, 160),
    objects_per_image=(1, 6),
    object_size=(16, 96),
    max_occlusion=0.4,
    seed=0)
img_scale = (160, 160)
num_classes = len(metainfo['classes'])

model = dict(
    backbone=dict(
        base_channels=32,  # half width: the whole backbone has a quarter of the FLOPs
        frozen_stages=-1,  # from scratch: train every stage and every BatchNorm
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[128, 256, 512, 1024], out_channels=128),
    rpn_head=dict(in_channels=128, feat_channels=128),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=128),
        bbox_head=dict(in_channels=128, fc_out_channels=512, num_classes=num_classes)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=500),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

max_iters = 250
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-4),
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.04, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=10, norm_type=2))
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=50, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=8)

# Generated data: no published result (ours are in the README's "Quick start").
published = None
