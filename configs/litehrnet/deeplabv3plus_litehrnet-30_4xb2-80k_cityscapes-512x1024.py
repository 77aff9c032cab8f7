_base_ = './deeplabv3plus_litehrnet-18_4xb2-80k_cityscapes-512x1024.py'

model = dict(backbone=dict(arch='30'))

# No published result for this combination.
published = None
