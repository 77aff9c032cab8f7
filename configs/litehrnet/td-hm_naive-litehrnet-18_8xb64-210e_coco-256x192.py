# Naive Lite-HRNet-18 (shuffle blocks instead of conditional channel weighting, 30/60/120/240
# channels), COCO 256x192: mmpose's Lite-HRNet-18 recipe with the naive architecture.
_base_ = './td-hm_litehrnet-18_8xb64-210e_coco-256x192.py'

model = dict(
    backbone=dict(_delete_=True, type='mmhsnet.LiteHRNet', arch='naive-18'),
    head=dict(in_channels=30))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='coco/AP',
        value=0.628,
        source='Lite-HRNet paper (arXiv 2104.06403), Naive Lite-HRNet-18, COCO val, 256x192'),
]
