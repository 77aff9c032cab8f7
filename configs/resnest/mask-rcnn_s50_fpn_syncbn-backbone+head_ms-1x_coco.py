# mmdet's ResNeSt-50 Mask R-CNN (SyncBN, multi-scale 1x) with mmhsnet.ResNeSt.
_base_ = 'mmdet::resnest/mask-rcnn_s50_fpn_syncbn-backbone+head_ms-1x_coco.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(backbone=dict(type='mmhsnet.ResNeSt'))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='coco/bbox_mAP',
        value=0.426,
        source='mmdet model zoo, mask-rcnn_s50_fpn_syncbn-backbone+head_ms-1x_coco'),
    dict(
        metric='coco/segm_mAP',
        value=0.381,
        source='mmdet model zoo, mask-rcnn_s50_fpn_syncbn-backbone+head_ms-1x_coco'),
]
