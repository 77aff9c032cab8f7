# Top-down heatmap pose, COCO 256x192, 210 epochs: mmpose's stock ResNet-50 config with an
# HS-ResNet-50 backbone: `hsresnet50` (network and ImageNet-1k weights) of
# ../_base_/models/hsresnet.py, with what mmpose's ResNet does by default written here (the last
# stage only, trained norms); the other arguments keep HSResNet's defaults.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py',
    '../_base_/models/hsresnet.py',
]

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _base_.hsresnet50,
        _delete_=True,  # replaces mmpose's ResNet, none of its arguments kept
        out_indices=(3, ),
        norm_eval=False))

# No published result for this combination.
published = None
