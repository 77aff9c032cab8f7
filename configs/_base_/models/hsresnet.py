# HS-ResNet-50 and HS-ResNet-101 backbones, written once for every config in hsresnet/: the
# network (mmhsnet.HSResNet, s=8 groups of base_width=11 channels; see "HS-ResNet: our definition"
# in the README) and the ImageNet-1k weights of exactly that network. Those weights are an
# mmpretrain classifier's checkpoint (hsresnet/hsresnet50_8xb32_in1k.py and the other *_in1k.py
# configs make them, tools/model_converters/publish_model.py publishes them), read with
# prefix='backbone.' as mmdet reads mmpretrain's checkpoints; nobody has published one yet (see
# "Pretrained weights" in configs/README.md), so point `init_cfg.checkpoint` at yours or train
# from scratch with `--cfg-options model.backbone.init_cfg=None`.
#
# Not a runnable config and no `model`: a config lists this file among its `_base_` files next to
# the toolkit's stock config (mmengine refuses a key that two bases both define, so this file
# defines no `model`) and reads a backbone as `_base_.hsresnet50` / `_base_.hsresnet101`, adding
# only what its task needs (outputs, strides / dilations, norms, frozen stages), e.g.
#
#   _base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', '../_base_/models/hsresnet.py']
#   custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)
#   model = dict(backbone=dict(_base_.hsresnet50, _delete_=True, frozen_stages=1, norm_eval=True))
#
# (from another project: 'mmhsnet::_base_/models/hsresnet.py'). Both dicts stay top-level keys of
# every config that inherits this file, as copies: changing them in a child config or with
# --cfg-options does not change the model; change model.backbone instead.
hsresnet50 = dict(
    type='mmhsnet.HSResNet',
    depth=50,
    scales=8,
    base_width=11,
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/hsresnet50_s8w11_in1k.pth', prefix='backbone.'))
hsresnet101 = dict(
    hsresnet50,
    depth=101,
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/hsresnet101_s8w11_in1k.pth', prefix='backbone.'))
