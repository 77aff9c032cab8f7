"""The mini datasets load through the stock dataset classes and configs of mmdet, mmseg, mmpose
and mmpretrain, and their annotations describe what the images show."""
import importlib
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from pycocotools.coco import COCO
from scipy.io import loadmat

from mmhsnet.testing import (MPII_KEYPOINTS, ensure_dataset, make_all, make_coco_instances,
                             make_coco_keypoints, make_imagenet)

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


@pytest.fixture(scope='module')
def mini(tmp_path_factory):
    return make_all(str(tmp_path_factory.mktemp('mini')), seed=0)


def stock_config(path):
    """A config shipped with a toolkit, e.g. ``'mmdet::_base_/datasets/coco.py'``."""
    package, rel_path = path.split('::')
    package_dir = osp.dirname(importlib.import_module(package).__file__)
    return Config.fromfile(osp.join(package_dir, '.mim', 'configs', rel_path))


def read_tree(root):
    """Relative path -> bytes of every file under ``root``."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


def set_transform(pipeline, type_, **kwargs):
    for transform in pipeline:
        if transform['type'] == type_:
            transform.update(kwargs)
            return
    raise KeyError(f'{type_} not in the pipeline')


def color_distance(pixels, rgb):
    """Largest per-channel difference between BGR pixels and an RGB colour."""
    return np.abs(pixels.astype(np.int64) - np.asarray(rgb)[::-1]).max(-1)


def to_image(inputs):
    """A packed CHW uint8 tensor back to an HWC (BGR) array."""
    return inputs.permute(1, 2, 0).numpy()


def test_same_seed_same_files(tmp_path):
    trees = []
    for name, seed in (('a', 0), ('b', 0), ('c', 1)):
        make_all(str(tmp_path / name), seed=seed, num_train=2, num_val=1)
        trees.append(read_tree(tmp_path / name))
    a, b, c = trees
    # coco: 3 + 3 images, 4 json; cityscapes: 3 images + 3 label maps; mpii: 3 images, 2 json,
    # mat; imagenet: 3 images, 2 lists
    assert len(a) == 27
    assert a == b
    assert a.keys() == c.keys()
    images = [k for k in a if k.endswith(('.jpg', '_leftImg8bit.png', '.JPEG'))]
    assert len(images) == 15
    assert all(a[k] != c[k] for k in images)


def test_ensure_dataset_generates_once(tmp_path):
    kwargs = dict(num_train=2, num_val=1, img_size=(64, 48), object_size=(10, 30))
    assert ensure_dataset(make_coco_instances, str(tmp_path), **kwargs)
    first = read_tree(tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob('*.jpg')}
    assert not ensure_dataset(make_coco_instances, str(tmp_path), **kwargs)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob('*.jpg')} == mtimes
    # other arguments: generated again, into the same folder
    assert ensure_dataset(make_coco_instances, str(tmp_path), **dict(kwargs, seed=1))
    assert read_tree(tmp_path).keys() == first.keys() and read_tree(tmp_path) != first
    # an interrupted generation left no stamp: done again
    (tmp_path / 'mmhsnet_dataset.json').unlink()
    assert ensure_dataset(make_coco_instances, str(tmp_path), **dict(kwargs, seed=1))


def test_bad_arguments(tmp_path):
    with pytest.raises(KeyError, match='hexagon'):
        make_coco_instances(str(tmp_path), classes=('circle', 'hexagon'))
    with pytest.raises(ValueError, match='object_size'):
        make_coco_instances(str(tmp_path), img_size=(64, 48), object_size=(50, 60))
    with pytest.raises(ValueError, match='num_train'):
        make_coco_keypoints(str(tmp_path), num_train=0)
    with pytest.raises(KeyError, match='kitti'):
        make_all(str(tmp_path), datasets=('coco', 'kitti'))


def test_coco_instances_files(mini):
    info = mini['coco']
    palette = info['metainfo']['palette']
    sizes, overlapping_boxes = [], 0
    for split, num_images in (('train', 8), ('val', 4)):
        coco = COCO(osp.join(info['data_root'], info[split]['ann_file']))
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(
            info['metainfo']['classes'])
        assert len(coco.getImgIds()) == num_images
        for img_info in coco.loadImgs(coco.getImgIds()):
            img = cv2.imread(
                osp.join(info['data_root'], info[split]['data_prefix']['img'],
                         img_info['file_name']))
            assert img.shape == (img_info['height'], img_info['width'], 3) == (240, 320, 3)
            anns = coco.loadAnns(coco.getAnnIds(imgIds=img_info['id']))
            assert 1 <= len(anns) <= 5
            masks = []
            for ann in anns:
                assert ann['iscrowd'] == 0 and len(ann['segmentation']) == 1
                # The polygon rasterises (as COCO evaluates it) to exactly the annotated area
                # and box, and covers pixels of the class colour.
                mask = coco.annToMask(ann).astype(bool)
                assert mask.sum() == ann['area']
                x, y, w, h = cv2.boundingRect(mask.astype(np.uint8))
                assert [x, y, w, h] == ann['bbox']
                near = color_distance(img[mask], palette[ann['category_id'] - 1]) <= 50
                assert near.mean() > 0.9
                masks.append(mask)
                sizes.append(max(w, h))
            # Visible parts never overlap; occluded objects have overlapping boxes.
            assert np.sum(masks, axis=0).max() == 1
            boxes = np.array([ann['bbox'] for ann in anns], np.float64)
            boxes[:, 2:] += boxes[:, :2]
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    overlapping_boxes += bool(
                        min(boxes[i, 2], boxes[j, 2]) > max(boxes[i, 0], boxes[j, 0])
                        and min(boxes[i, 3], boxes[j, 3]) > max(boxes[i, 1], boxes[j, 1]))
    assert overlapping_boxes >= 1
    assert max(sizes) >= 3 * min(sizes)


def test_mmdet_coco_dataset(mini):
    import mmdet.datasets  # noqa: F401
    from mmdet.registry import DATASETS, METRICS, MODELS
    from mmdet.structures.mask import PolygonMasks
    init_default_scope('mmdet')
    info = mini['coco']
    cfg = stock_config('mmdet::_base_/datasets/coco_instance.py')
    train_cfg = cfg.train_dataloader.dataset
    train_cfg.update(info['train'])
    set_transform(train_cfg.pipeline, 'Resize', scale=(400, 300))  # x1.25
    dataset = DATASETS.build(train_cfg)
    assert len(dataset) == 8
    assert dataset.metainfo['classes'] == info['metainfo']['classes']

    samples = [dataset[i] for i in range(len(dataset))]
    for sample in samples:
        # Through Resize and RandomFlip, masks and boxes still lie on their objects.
        img = to_image(sample['inputs'])
        assert img.shape == (300, 400, 3)
        gt = sample['data_samples'].gt_instances
        masks = gt.masks.to_ndarray().astype(bool)
        labels = gt.labels.numpy()
        assert len(labels) >= 1
        for mask, box, label in zip(masks, gt.bboxes.numpy(), labels):
            near = color_distance(img[mask], info['metainfo']['palette'][label]) <= 50
            assert near.mean() > 0.9
            ys, xs = np.nonzero(mask)
            np.testing.assert_allclose(box, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1],
                                       atol=2)
        # ... and every object of a class colour is annotated.
        for label, rgb in enumerate(info['metainfo']['palette']):
            colored = color_distance(img, rgb) <= 35
            annotated = masks[labels == label].any(0) if (labels == label).any() else 0
            assert (colored & annotated).sum() >= 0.9 * colored.sum()

    preprocessor = MODELS.build(
        dict(
            type='DetDataPreprocessor',
            mean=MEAN,
            std=STD,
            bgr_to_rgb=True,
            pad_size_divisor=32,
            pad_mask=True))
    batch = preprocessor(pseudo_collate(samples[:2]), training=True)
    assert batch['inputs'].shape == (2, 3, 320, 416)
    assert batch['inputs'].dtype == torch.float32
    for data_sample in batch['data_samples']:
        assert data_sample.batch_input_shape == (320, 416)
        assert data_sample.gt_instances.masks.masks.shape[1:] == (320, 416)

    # The val split through the stock test pipeline, and the stock CocoMetric on it: the
    # ground truth read back through the dataset, given as predictions, scores 1.0.
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.update(info['val'])
    val_set = DATASETS.build(val_cfg)
    assert len(val_set) == 4 and val_set[0]['inputs'].shape == (3, 800, 1067)
    metric = METRICS.build(
        dict(cfg.val_evaluator, ann_file=osp.join(info['data_root'], info['val']['ann_file'])))
    metric.dataset_meta = val_set.metainfo
    predictions = []
    for i in range(len(val_set)):
        data_info = val_set.get_data_info(i)
        h, w = data_info['height'], data_info['width']
        instances = data_info['instances']
        polygons = [[np.array(p) for p in inst['mask']] for inst in instances]
        masks = PolygonMasks(polygons, h, w).to_ndarray()
        predictions.append(
            dict(
                img_id=data_info['img_id'],
                ori_shape=(h, w),
                pred_instances=dict(
                    bboxes=torch.tensor([inst['bbox'] for inst in instances]),
                    labels=torch.tensor([inst['bbox_label'] for inst in instances]),
                    scores=torch.ones(len(instances)),
                    masks=torch.from_numpy(masks).bool())))
    metric.process({}, predictions)
    results = metric.evaluate(len(predictions))
    assert results['coco/bbox_mAP'] == pytest.approx(1.0)
    assert results['coco/segm_mAP'] == pytest.approx(1.0)


def test_mmseg_cityscapes_dataset(mini):
    import mmseg.datasets  # noqa: F401
    from mmseg.registry import DATASETS, MODELS
    init_default_scope('mmseg')
    info = mini['cityscapes']
    cfg = stock_config('mmseg::_base_/datasets/cityscapes.py')
    crop = (64, 128)
    train_cfg = cfg.train_dataloader.dataset
    train_cfg.update(info['train'])
    set_transform(train_cfg.pipeline, 'RandomResize', scale=(256, 128))
    set_transform(train_cfg.pipeline, 'RandomCrop', crop_size=crop)
    dataset = DATASETS.build(train_cfg)
    assert len(dataset) == 8
    samples = [dataset[0], dataset[1]]
    preprocessor = MODELS.build(
        dict(
            type='SegDataPreProcessor',
            mean=MEAN,
            std=STD,
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255,
            size=crop))
    batch = preprocessor(pseudo_collate(samples), training=True)
    assert batch['inputs'].shape == (2, 3, *crop)
    for data_sample in batch['data_samples']:
        seg = data_sample.gt_sem_seg.data
        assert seg.shape == (1, *crop)
        assert set(seg.unique().tolist()) <= set(range(19)) | {255}

    # Read back without augmentation: each labelled region shows its Cityscapes colour, taken
    # from mmseg's own metainfo.
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.update(info['val'])
    val_cfg.pipeline = [t for t in val_cfg.pipeline if t['type'] != 'Resize']
    val_set = DATASETS.build(val_cfg)
    assert len(val_set) == 4
    palette = val_set.metainfo['palette']
    for i in range(len(val_set)):
        sample = val_set[i]
        img = to_image(sample['inputs'])
        seg = sample['data_samples'].gt_sem_seg.data[0].numpy()
        assert img.shape == (128, 256, 3) and seg.shape == (128, 256)
        present = [c for c in np.unique(seg) if c != 255]
        assert len(present) >= 6 and {0, 1, 2, 10} <= set(present)
        for c in present:
            pixels = img[seg == c]
            assert color_distance(np.median(pixels, axis=0), palette[c]) <= 30, c
            assert (color_distance(pixels, palette[c]) <= 60).mean() > 0.9, c


def check_joint_colors(img, keypoints, colors):
    """Fraction of keypoints whose pixel in ``img`` shows the joint's colour (RGB)."""
    xy = np.round(keypoints).astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < img.shape[1]) & (xy[:, 1] >= 0) & (
        xy[:, 1] < img.shape[0])
    xy = np.clip(xy, 0, [img.shape[1] - 1, img.shape[0] - 1])
    pixels = img[xy[:, 1], xy[:, 0]]
    return ((np.abs(pixels.astype(int) - colors[:, ::-1]).max(-1) <= 60) & inside).mean()


def dot_offsets(img, keypoints, colors, half=6):
    """Offsets from keypoints to the centroids of their dots: the pixels of the joint's colour
    connected to the keypoint's pixel, within ``half`` pixels."""
    offsets = []
    for (x, y), (kx, ky), rgb in zip(np.round(keypoints).astype(int), keypoints, colors):
        x0, y0 = max(x - half, 0), max(y - half, 0)
        window = img[y0:y + half + 1, x0:x + half + 1]
        match = (color_distance(window, rgb) <= 60).astype(np.uint8)
        _, components = cv2.connectedComponents(match, connectivity=4)
        ys, xs = np.nonzero(components == components[y - y0, x - x0])
        offsets.append((xs.mean() + x0 - kx, ys.mean() + y0 - ky))
    return np.array(offsets)


def test_mmpose_coco_dataset(mini):
    import mmpose.datasets  # noqa: F401
    from mmpose.registry import DATASETS, MODELS
    init_default_scope('mmpose')
    info = mini['coco_kpt']
    cfg = stock_config('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
                       'td-hm_res50_8xb64-210e_coco-256x192.py')
    train_cfg = cfg.train_dataloader.dataset
    train_cfg.update(info['train'])
    dataset = DATASETS.build(train_cfg)
    with open(osp.join(info['data_root'], info['train']['ann_file'])) as f:
        annotations = json.load(f)
    assert len(dataset) == len(annotations['annotations']) >= 8
    # Joint names and skeleton are COCO's, as mmpose's metainfo has them.
    category, = annotations['categories']
    meta = dataset.metainfo
    assert category['keypoints'] == [meta['keypoint_id2name'][i] for i in range(17)]
    assert {frozenset((a - 1, b - 1)) for a, b in category['skeleton']} == {
        frozenset(link) for link in meta['skeleton_links']}
    samples = [dataset[0], dataset[1]]
    for sample in samples:
        assert sample['data_samples'].gt_fields.heatmaps.shape == (17, 64, 48)
    batch = MODELS.build(cfg.model.data_preprocessor)(pseudo_collate(samples), training=True)
    assert batch['inputs'].shape == (2, 3, 256, 192)
    assert batch['inputs'].dtype == torch.float32

    # The val split through the stock val pipeline (ground-truth boxes, no detection file):
    # every joint lands on a dot of the colour mmpose's metainfo gives it.
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.update(info['val'], bbox_file=None)
    set_transform(val_cfg.pipeline, 'PackPoseInputs', pack_transformed=True)
    val_set = DATASETS.build(val_cfg)
    colors = np.asarray(val_set.metainfo['keypoint_colors'])
    for i in range(len(val_set)):
        sample = val_set[i]
        img = to_image(sample['inputs'])
        assert img.shape == (256, 192, 3)
        gt = sample['data_samples'].gt_instances
        keypoints = gt.transformed_keypoints[0]
        assert gt.keypoints_visible.min() == 1
        assert check_joint_colors(img, keypoints, colors) == 1
        # Control: the same check fails on shifted keypoints.
        assert check_joint_colors(img, keypoints + [0, 15], colors) < 0.5
    # In the original images, the keypoints are the centres of the dots.
    offsets = []
    for i in range(len(val_set)):
        data_info = val_set.get_data_info(i)
        img, keypoints = cv2.imread(data_info['img_path']), data_info['keypoints'][0]
        assert check_joint_colors(img, keypoints, colors) == 1
        offsets.append(dot_offsets(img, keypoints, colors))
    assert np.abs(np.median(np.concatenate(offsets), axis=0)).max() < 0.3


def test_mmpose_mpii_dataset(mini):
    import mmpose.datasets  # noqa: F401
    from mmpose.registry import DATASETS, METRICS, MODELS
    init_default_scope('mmpose')
    info = mini['mpii']
    cfg = stock_config('mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
                       'td-hm_res50_8xb64-210e_mpii-256x256.py')
    train_cfg = cfg.train_dataloader.dataset
    train_cfg.update(info['train'])
    dataset = DATASETS.build(train_cfg)
    with open(osp.join(info['data_root'], info['train']['ann_file'])) as f:
        assert len(dataset) == len(json.load(f)) >= 8
    samples = [dataset[0], dataset[1]]
    for sample in samples:
        assert sample['data_samples'].gt_fields.heatmaps.shape == (16, 64, 64)
    batch = MODELS.build(cfg.model.data_preprocessor)(pseudo_collate(samples), training=True)
    assert batch['inputs'].shape == (2, 3, 256, 256)

    # The val split with the head boxes (PCKh), as the stock val config reads it.
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.update(info['val'])
    set_transform(val_cfg.pipeline, 'PackPoseInputs', pack_transformed=True)
    val_set = DATASETS.build(val_cfg)
    assert val_set[0]['inputs'].shape == (3, 256, 256)
    assert dataset.metainfo['keypoint_id2name'] == dict(enumerate(MPII_KEYPOINTS))
    colors = np.asarray(val_set.metainfo['keypoint_colors'])
    headboxes = loadmat(info['val']['headbox_file'])['headboxes_src'].transpose(2, 0, 1)
    assert len(headboxes) == len(val_set)
    offsets, predictions = [], []
    for i in range(len(val_set)):
        data_info, sample = val_set.get_data_info(i), val_set[i]
        img = cv2.imread(data_info['img_path'])
        # MPII joints are 1-based (MATLAB); the dots are at joints - 1.
        keypoints = data_info['keypoints'][0] - 1
        assert check_joint_colors(img, keypoints, colors) == 1
        assert check_joint_colors(img, keypoints + [0, 10], colors) < 0.5
        offsets.append(dot_offsets(img, keypoints, colors))
        # The head box holds the head top and the neck; head_size is 0.6 x its diagonal.
        (x0, y0), (x1, y1) = headboxes[i] - 1
        for name in ('head_top', 'upper_neck'):
            x, y = keypoints[MPII_KEYPOINTS.index(name)]
            assert x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1
        assert data_info['head_size'].item() == pytest.approx(
            0.6 * np.hypot(x1 - x0, y1 - y0))
        # The crop that center/scale give (padded by the stock pipeline) holds every joint.
        gt = sample['data_samples'].gt_instances
        assert (gt.transformed_keypoints >= 0).all() and (gt.transformed_keypoints < 256).all()
        predictions.append(
            dict(gt_instances=gt.to_dict(), pred_instances=dict(keypoints=keypoints[None])))
    assert np.abs(np.median(np.concatenate(offsets), axis=0)).max() < 0.3
    # The stock MpiiPCKAccuracy (PCKh) scores the positions of the dots as perfect.
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = val_set.metainfo
    metric.process({}, predictions)
    assert metric.evaluate(len(predictions))['PCK'] == pytest.approx(100)


def test_mmpretrain_imagenet_dataset(mini, tmp_path):
    """ImageNet's layout, read by mmpretrain's ImageNet with split= as the stock configs do;
    every class in both splits, one shape per image in its class's colour, or with
    ``random_colors`` in any class's colour."""
    check_imagenet(mini['imagenet'], colors_per_class=1)
    check_imagenet(make_imagenet(str(tmp_path), random_colors=True), colors_per_class=None)


def check_imagenet(info, colors_per_class):
    root = info['data_root']
    classes = info['metainfo']['classes']
    assert sorted(os.listdir(osp.join(root, 'train'))) == sorted(classes)
    assert all(f.endswith('.JPEG') for f in os.listdir(osp.join(root, 'val')))
    init_default_scope('mmpretrain')
    from mmpretrain.registry import DATASETS
    hues = {}
    for split, num in (('train', 10), ('val', 5)):
        dataset = DATASETS.build(dict(type='ImageNet', **info[split], pipeline=[]))
        assert len(dataset) == num and dataset.metainfo['classes'] == classes
        labels = [dataset.get_data_info(i)['gt_label'] for i in range(num)]
        assert sorted(set(labels)) == list(range(len(classes)))
        for i in range(num):
            item = dataset.get_data_info(i)
            if split == 'train':  # the class folder is the class
                assert osp.basename(osp.dirname(item['img_path'])) == classes[item['gt_label']]
            img = cv2.imread(item['img_path'])
            assert img.shape == (96, 96, 3)
            saturation = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[..., 1]
            shape = saturation > 110  # the background is muted
            assert 0.01 < shape.mean() < 0.8, shape.mean()
            hue = np.median(cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[..., 0][shape])
            hues.setdefault(item['gt_label'], set()).add(round(hue / 30) % 6)  # 6 hue sectors
    if colors_per_class == 1:
        assert all(len(h) == 1 for h in hues.values()), hues
    else:
        assert sum(len(h) > 1 for h in hues.values()) >= 3, hues


def test_cli(tmp_path):
    args = ['--only', 'cityscapes', 'mpii', '--num-train', '2', '--num-val', '1', '--seed', '3']
    proc = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'misc', 'make_mini_datasets.py'),
         str(tmp_path / 'cli'), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'mpii_gt_val.mat' in proc.stdout
    make_all(str(tmp_path / 'lib'), seed=3, num_train=2, num_val=1,
             datasets=('cityscapes', 'mpii'))
    cli_files = read_tree(tmp_path / 'cli')
    assert len(cli_files) == 12 and not (tmp_path / 'cli' / 'coco').exists()
    assert cli_files == read_tree(tmp_path / 'lib')
