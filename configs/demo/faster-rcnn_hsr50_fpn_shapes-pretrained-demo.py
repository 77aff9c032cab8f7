# The README demo (faster-rcnn_hsr50_fpn_shapes-demo.py) with its backbone initialised from the
# classifier that hsresnet50_shapes-cls-demo.py pretrains on generated shapes and
# tools/model_converters/publish_model.py publishes: the whole path from pretraining to a detector,
# on a 2-core CPU. Only the initialisation differs from the demo (same recipe, same budget):
#
#   python tools/demo.py --config configs/demo/faster-rcnn_hsr50_fpn_shapes-pretrained-demo.py \
#       --work-dir work_dirs/demo-pretrained \
#       --cfg-options model.backbone.init_cfg.checkpoint=PUBLISHED_FILE
_base_ = './faster-rcnn_hsr50_fpn_shapes-demo.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,  # the demo's is None
            type='Pretrained',
            checkpoint='checkpoints/hsresnet50-half_shapes.pth',
            prefix='backbone.')))

published = None
