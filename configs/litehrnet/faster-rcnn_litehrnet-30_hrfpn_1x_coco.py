_base_ = './faster-rcnn_litehrnet-18_hrfpn_1x_coco.py'

model = dict(backbone=dict(arch='30'))

# No published result for this combination.
published = None
