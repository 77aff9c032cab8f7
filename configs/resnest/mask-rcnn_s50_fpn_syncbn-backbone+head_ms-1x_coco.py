# mmdet's ResNeSt-50 Mask R-CNN (SyncBN, multi-scale 1x) with mmhsnet.ResNeSt.
_base_ = 'mmdet::resnest/mask-rcnn_s50_fpn_syncbn-backbone+head_ms-1x_coco.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(backbone=dict(type='mmhsnet.ResNeSt'))
