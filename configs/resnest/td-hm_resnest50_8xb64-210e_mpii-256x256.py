# Top-down heatmap pose, MPII 256x256: mmpose's stock ResNet-50 config with ResNeSt-50.
_base_ = 'mmpose::body_2d_keypoint/topdown_heatmap/mpii/td-hm_res50_8xb64-210e_mpii-256x256.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmhsnet.ResNeSt',
        depth=50,
        out_indices=(3, ),
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnest50')))

# No published result for this combination.
published = None
