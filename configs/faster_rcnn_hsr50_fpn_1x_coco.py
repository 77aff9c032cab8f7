# The headline config: `python tools/train.py configs/faster_rcnn_hsr50_fpn_1x_coco.py`.
# Its definition lives in hsresnet/ with the other HS-ResNet configs (OpenMMLab 3.x naming), so
# that other projects can inherit it as 'mmhsnet::hsresnet/faster-rcnn_hsr50_fpn_1x_coco.py'.
_base_ = './hsresnet/faster-rcnn_hsr50_fpn_1x_coco.py'
