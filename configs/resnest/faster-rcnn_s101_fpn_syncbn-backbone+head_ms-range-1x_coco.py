_base_ = 'mmdet::resnest/faster-rcnn_s101_fpn_syncbn-backbone+head_ms-range-1x_coco.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(backbone=dict(type='mmhsnet.ResNeSt'))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='coco/bbox_mAP',
        value=0.445,
        source='mmdet model zoo, faster-rcnn_s101_fpn_syncbn-backbone+head_ms-range-1x_coco'),
]
