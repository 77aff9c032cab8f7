# mmpose's Lite-HRNet-18 top-down heatmap config with mmhsnet.LiteHRNet (same keys and outputs).
_base_ = (
    'mmpose::body_2d_keypoint/topdown_heatmap/mpii/td-hm_litehrnet-18_8xb64-210e_mpii-256x256.py')

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(backbone=dict(type='mmhsnet.LiteHRNet'))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='PCK',
        value=85.4,
        source='Lite-HRNet paper (arXiv 2104.06403), Lite-HRNet-18, MPII val, PCKh@0.5'),
]
