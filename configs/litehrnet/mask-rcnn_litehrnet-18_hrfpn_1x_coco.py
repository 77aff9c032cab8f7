# Mask R-CNN + HRFPN, 1x, COCO: mmdet's HRNetV2p-W18 config with every branch of Lite-HRNet-18.
_base_ = 'mmdet::hrnet/mask-rcnn_hrnetv2p-w18-1x_coco.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmhsnet.LiteHRNet',
        arch='18',
        with_head=False,
        out_indices=(0, 1, 2, 3),
        norm_eval=False),
    neck=dict(in_channels=[40, 80, 160, 320]))

# No published result for this combination.
published = None
