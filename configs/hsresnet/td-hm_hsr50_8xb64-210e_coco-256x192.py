# Top-down heatmap pose, COCO 256x192, 210 epochs: mmpose's stock ResNet-50 config with an
# HS-ResNet-50 backbone.
_base_ = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmhsnet.HSResNet',
        depth=50,
        scales=8,
        base_width=11,
        out_indices=(3, ),
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/hsresnet50_s8w11_in1k.pth')))
