# mmpose's Lite-HRNet-18 top-down heatmap config with mmhsnet.LiteHRNet (same keys and outputs).
_base_ = (
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_litehrnet-18_8xb64-210e_coco-256x192.py')

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(backbone=dict(type='mmhsnet.LiteHRNet'))
