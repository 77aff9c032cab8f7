# DeepLabv3+, Cityscapes 512x1024, 80k: mmseg's ResNet-50-D8 recipe on Lite-HRNet-18. All
# branches, resized to stride 4 and concatenated (as mmseg's HRNet heads), feed the ASPP; the
# stride-4 branch is the decoder's low-level input.
_base_ = 'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py'

custom_imports = dict(imports=['mmhsnet.models'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
channels = [40, 80, 160, 320]

model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mmhsnet.LiteHRNet',
        arch='18',
        with_head=False,
        out_indices=(0, 1, 2, 3),
        norm_cfg=norm_cfg,
        norm_eval=False),
    decode_head=dict(
        in_channels=channels,
        in_index=(0, 1, 2, 3),
        input_transform='resize_concat',
        c1_in_channels=channels[0]),
    auxiliary_head=dict(in_channels=channels[2], in_index=2))

# No published result for this combination.
published = None
