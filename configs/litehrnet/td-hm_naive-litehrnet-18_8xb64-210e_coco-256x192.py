# Naive Lite-HRNet-18 (shuffle blocks instead of conditional channel weighting, 30/60/120/240
# channels), COCO 256x192: mmpose's Lite-HRNet-18 recipe with the naive architecture.
_base_ = './td-hm_litehrnet-18_8xb64-210e_coco-256x192.py'

model = dict(
    backbone=dict(_delete_=True, type='mmhsnet.LiteHRNet', arch='naive-18'),
    head=dict(in_channels=30))
