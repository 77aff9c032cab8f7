"""Helpers for tests and demos (as :mod:`mmdet.testing`): small datasets in real formats."""
from .configs import DEFAULT_SCALE_FACTORS, MINI_DATASET_OF, SIZE_KEYS, use_mini_data
from .mini_datasets import (CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, COCO_KEYPOINTS, MINI_DATASETS,
                            MPII_KEYPOINTS, SHAPE_CLASSES, ensure_dataset, make_all,
                            make_cityscapes, make_coco_instances, make_coco_keypoints,
                            make_imagenet, make_mpii)
from .models import randomize_norms

__all__ = [
    'DEFAULT_SCALE_FACTORS', 'MINI_DATASET_OF', 'SIZE_KEYS', 'use_mini_data',
    'CITYSCAPES_CLASSES', 'CITYSCAPES_PALETTE', 'COCO_KEYPOINTS', 'MINI_DATASETS',
    'MPII_KEYPOINTS', 'SHAPE_CLASSES', 'ensure_dataset', 'make_all', 'make_cityscapes',
    'make_coco_instances', 'make_coco_keypoints', 'make_imagenet', 'make_mpii', 'randomize_norms'
]
