# mmpose's Lite-HRNet-30 top-down heatmap config with mmhsnet.LiteHRNet (same keys and outputs).
_base_ = (
    'mmpose::body_2d_keypoint/topdown_heatmap/mpii/td-hm_litehrnet-30_8xb64-210e_mpii-256x256.py')

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(backbone=dict(type='mmhsnet.LiteHRNet'))
