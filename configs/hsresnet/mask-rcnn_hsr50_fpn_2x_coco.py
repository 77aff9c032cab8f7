# The 2x schedule (24 epochs, steps at 16 and 22) of mmdet's mask-rcnn_r50_fpn_2x_coco.py.
_base_ = './mask-rcnn_hsr50_fpn_1x_coco.py'

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[16, 22],
        gamma=0.1)
]

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='coco/bbox_mAP',
        value=0.431,
        source='HS-ResNet paper (arXiv 2010.07621), Mask R-CNN + FPN 2x, COCO'),
    dict(
        metric='coco/segm_mAP',
        value=0.38,
        source='HS-ResNet paper (arXiv 2010.07621), Mask R-CNN + FPN 2x, COCO'),
]
