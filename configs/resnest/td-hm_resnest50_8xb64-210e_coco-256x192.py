# mmpose's ResNeSt-50 top-down heatmap config (COCO 256x192) with mmhsnet.ResNeSt. mmpose's
# mmcls://resnest50 weights have another key layout; mmdet's open-mmlab://resnest50 are ours.
_base_ = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_resnest50_8xb64-210e_coco-256x192.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmhsnet.ResNeSt',
        depth=50,
        out_indices=(3, ),
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnest50')))

# The published result this config is meant to reproduce (metric key and scale of its
# evaluator): tools/train.py (last validation) and tools/test.py log ours beside it.
published = [
    dict(
        metric='coco/AP',
        value=0.72,
        source='mmpose model zoo, td-hm_resnest50_8xb64-210e_coco-256x192'),
]
