"""Helpers for tests and demos (as :mod:`mmdet.testing`): small datasets in real formats."""
from .mini_datasets import (CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, COCO_KEYPOINTS,
                            MINI_DATASETS, MPII_KEYPOINTS, SHAPE_CLASSES, make_all,
                            make_cityscapes, make_coco_instances, make_coco_keypoints, make_mpii)

__all__ = [
    'CITYSCAPES_CLASSES', 'CITYSCAPES_PALETTE', 'COCO_KEYPOINTS', 'MINI_DATASETS',
    'MPII_KEYPOINTS', 'SHAPE_CLASSES', 'make_all', 'make_cityscapes', 'make_coco_instances',
    'make_coco_keypoints', 'make_mpii'
]
