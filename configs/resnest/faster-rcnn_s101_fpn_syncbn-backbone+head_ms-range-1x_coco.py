_base_ = 'mmdet::resnest/faster-rcnn_s101_fpn_syncbn-backbone+head_ms-range-1x_coco.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(backbone=dict(type='mmhsnet.ResNeSt'))
