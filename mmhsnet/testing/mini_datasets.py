"""Small synthetic datasets in the real on-disk formats of COCO, Cityscapes and MPII.

Each generator writes a few images with annotations that describe exactly what was drawn, in the
layout the stock dataset classes of mmdet, mmsegmentation and mmpose read, so that configs and
tests can run end to end without downloading the real datasets:

* :func:`make_coco_instances`: coloured shapes (one class per shape and colour) on textured
  backgrounds; ``instances_{train,val}2017.json`` with boxes, polygons and areas of the *visible*
  part of every object.
* :func:`make_coco_keypoints`: front-facing stick figures whose 17 COCO joints are drawn as dots;
  ``person_keypoints_{train,val}2017.json``.
* :func:`make_cityscapes`: street-like scenes painted in the Cityscapes palette;
  ``leftImg8bit`` images and ``gtFine`` ``*_labelTrainIds.png`` maps (train ids 0-18, 255).
* :func:`make_mpii`: stick figures with the 16 MPII joints; mmpose's ``mpii_{train,val}.json``
  and the ``mpii_gt_val.mat`` head boxes that ``MpiiDataset`` needs for PCKh.
* :func:`make_imagenet`: one shape per image, the shape is the class; ImageNet's layout
  (``train/<class>/*.JPEG``, flat ``val/``, ``meta/{train,val}.txt``) as mmpretrain's
  ``ImageNet`` dataset reads it.

Every generator returns a dict whose ``'train'`` and ``'val'`` entries are keyword arguments of
the toolkit's dataset class (``data_root``, ``ann_file``, ``data_prefix``, ``split``, ...), e.g.
``cfg.train_dataloader.dataset.update(info['train'])``. Output only depends on the arguments:
the same seed gives byte-identical files (with the same numpy / OpenCV / scipy builds).

This module only needs numpy and OpenCV (and scipy for the MPII ``.mat`` file); it imports
none of the OpenMMLab toolkits.
"""
import io
import json
import os
import os.path as osp

import cv2
import numpy as np

MINI_DATASETS = ('coco', 'coco_kpt', 'cityscapes', 'mpii', 'imagenet')

# The shape classes and their colours (RGB); see _shape_polygon for the shapes.
SHAPE_CLASSES = {
    'circle': (220, 40, 40),
    'square': (40, 190, 60),
    'triangle': (40, 80, 230),
    'star': (240, 210, 30),
    'cross': (200, 50, 210),
}

COCO_KEYPOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
                  'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
                  'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                  'right_ankle')
# 1-based, as in the official person_keypoints_*.json.
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7],
                 [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5],
                 [4, 6], [5, 7]]
MPII_KEYPOINTS = ('right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee',
                  'left_ankle', 'pelvis', 'thorax', 'upper_neck', 'head_top', 'right_wrist',
                  'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist')
# Joint names of the official mpii_gt_val.mat (``dataset_joints``), in MPII_KEYPOINTS order.
_MPII_MAT_JOINTS = ('rank', 'rkne', 'rhip', 'lhip', 'lkne', 'lank', 'pelv', 'thor', 'neck',
                    'head', 'rwri', 'relb', 'rsho', 'lsho', 'lelb', 'lwri')

# Joint colours (RGB) of mmpose's COCO and MPII metainfo: the person's left side green, right
# side orange, centre line and face blue. The figures are drawn with them.
_SIDE_COLORS = {'left': (0, 255, 0), 'right': (255, 128, 0), 'center': (51, 153, 255)}
_SKIN = (215, 175, 140)
_SHIRTS = ((70, 60, 110), (110, 50, 55), (75, 90, 45), (85, 85, 85))

CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
                      'traffic sign', 'vegetation', 'terrain', 'sky', 'person', 'rider', 'car',
                      'truck', 'bus', 'train', 'motorcycle', 'bicycle')
# The official Cityscapes colours (RGB) of the 19 train ids.
CITYSCAPES_PALETTE = ((128, 64, 128), (244, 35, 232), (70, 70, 70), (102, 102, 156),
                      (190, 153, 153), (153, 153, 153), (250, 170, 30), (220, 220, 0),
                      (107, 142, 35), (152, 251, 152), (70, 130, 180), (220, 20, 60),
                      (255, 0, 0), (0, 0, 142), (0, 0, 70), (0, 60, 100), (0, 80, 100),
                      (0, 0, 230), (119, 11, 32))
_CS = {name: i for i, name in enumerate(CITYSCAPES_CLASSES)}
CITYSCAPES_IGNORE_INDEX = 255

_JPEG_PARAMS = [cv2.IMWRITE_JPEG_QUALITY, 95,
                cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------
def _bgr(rgb):
    return tuple(int(c) for c in rgb[::-1])


def _write_json(path, obj):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, separators=(',', ':'))


def _write_image(path, img):
    os.makedirs(osp.dirname(path), exist_ok=True)
    params = _JPEG_PARAMS if path.lower().endswith(('.jpg', '.jpeg')) else []
    if not cv2.imwrite(path, img, params):
        raise OSError(f'Failed to write {path}')


def _smooth_noise(rng, h, w, cell):
    """Noise in [-1, 1] that varies smoothly over ``cell`` pixels."""
    gh, gw = h // cell + 2, w // cell + 2
    grid = rng.random((gh, gw), dtype=np.float32)
    up = cv2.resize(grid, (gw * cell, gh * cell), interpolation=cv2.INTER_CUBIC)
    return up[:h, :w] * 2 - 1


def _texture(rng, h, w):
    """A zero-mean texture in about [-1, 1]: large blobs, fine mottling and a faint grating."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
    grating = np.sin(2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) /
                     rng.uniform(6, 30) + phase)
    return (0.55 * _smooth_noise(rng, h, w, max(8, max(h, w) // 4)) +
            0.25 * _smooth_noise(rng, h, w, 6) + 0.2 * grating)


def _background(rng, h, w):
    """A muted (low-saturation) textured background, float32 BGR."""
    base = rng.uniform(70, 180) + rng.uniform(-12, 12, size=3)
    img = base + 45 * _texture(rng, h, w)[..., None]
    img += 6 * np.stack([_smooth_noise(rng, h, w, 12) for _ in range(3)], axis=-1)
    return img.astype(np.float32)


def _finish(rng, img):
    """Add sensor-like grain and convert to uint8."""
    img = img + rng.normal(0, 3, size=img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def _mask_to_polygons(mask):
    """COCO polygons of the outer boundaries of a binary mask.

    The contour is traced on the mask upsampled 4x and mapped back to pixel-corner coordinates,
    so that rasterising the polygons as COCO does (``pycocotools``) gives the mask back exactly
    (holes excepted).
    """
    k = 4
    up = cv2.resize(mask.astype(np.uint8), (mask.shape[1] * k, mask.shape[0] * k),
                    interpolation=cv2.INTER_NEAREST)
    contours, _ = cv2.findContours(up, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = []
    for contour in contours:
        if len(contour) >= 3:
            pts = (contour.reshape(-1, 2).astype(np.float64) + 0.5) / k
            polygons.append([float(v) for v in pts.ravel()])
    return polygons


def _fill_holes(mask):
    mask = mask.astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool)


def _is_simple_region(mask):
    """Whether a mask is one 4-connected piece without holes (one COCO polygon describes it)."""
    num, _ = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
    if num != 2:
        return False
    background = np.pad(~mask, 1, constant_values=True).astype(np.uint8)
    num, _ = cv2.connectedComponents(background, connectivity=8)
    return num == 2


def _rng(seed, dataset):
    """A generator for one dataset: the same seed gives each dataset its own stream."""
    return np.random.default_rng([seed, MINI_DATASETS.index(dataset)])


def _split_sizes(num_train, num_val):
    if num_train < 1 or num_val < 1:
        raise ValueError(f'num_train and num_val must be >= 1, got {num_train}, {num_val}')
    return (('train', num_train), ('val', num_val))


def _coco_file(images, annotations, categories, description):
    return dict(
        info=dict(description=description, version='1.0', contributor='mmhsnet.testing'),
        licenses=[],
        images=images,
        annotations=annotations,
        categories=categories)


# --------------------------------------------------------------------------------------------
# COCO instances: coloured shapes
# --------------------------------------------------------------------------------------------
def _shape_classes(classes):
    """``classes`` as a tuple, checked against :data:`SHAPE_CLASSES`."""
    classes = tuple(classes)
    unknown = set(classes) - set(SHAPE_CLASSES)
    if unknown or not classes:
        raise KeyError(f'Unknown classes {sorted(unknown)}, available: {sorted(SHAPE_CLASSES)}')
    return classes


def _shape_polygon(shape, cx, cy, size, angle):
    r = size / 2
    if shape == 'circle':
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        radii = np.full_like(t, r)
    elif shape == 'square':
        t = np.arange(4) * np.pi / 2 + np.pi / 4
        radii = np.full_like(t, r)
    elif shape == 'triangle':
        t = np.arange(3) * 2 * np.pi / 3 - np.pi / 2
        radii = np.full_like(t, r)
    elif shape == 'star':
        t = np.arange(10) * np.pi / 5 - np.pi / 2
        radii = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
    elif shape == 'cross':
        # A plus sign: arm half-width a, arm length r (the corners lie at sqrt(a^2 + r^2) ~ r).
        a = 0.3 * r
        r = r / np.hypot(1, 0.3)
        xy = np.array([[a, r], [a, a], [r, a], [r, -a], [a, -a], [a, -r], [-a, -r], [-a, -a],
                       [-r, -a], [-r, a], [-a, a], [-a, r]])
        t = np.arctan2(xy[:, 1], xy[:, 0])
        radii = np.hypot(xy[:, 0], xy[:, 1])
    else:
        raise KeyError(f'Unknown shape {shape!r}, available: {sorted(SHAPE_CLASSES)}')
    t = t + angle
    pts = np.stack([cx + radii * np.cos(t), cy + radii * np.sin(t)], axis=1)
    return np.round(pts).astype(np.int32)


def _draw_shapes(rng, w, h, classes, objects_per_image, object_size, max_occlusion):
    """Draw one image of shapes; return it and the objects' labels and visible masks."""
    img = _background(rng, h, w)
    lo = np.log(object_size[0])
    hi = np.log(max(object_size[0], min(object_size[1], min(w, h) - 4)))
    objects = []
    for _ in range(rng.integers(objects_per_image[0], objects_per_image[1] + 1)):
        for _attempt in range(50):
            label = int(rng.integers(len(classes)))
            size = float(np.exp(rng.uniform(lo, hi)))
            r = size / 2 + 1
            cx, cy = rng.uniform(r, w - 1 - r), rng.uniform(r, h - 1 - r)
            poly = _shape_polygon(classes[label], cx, cy, size, rng.uniform(0, 2 * np.pi))
            full = np.zeros((h, w), np.uint8)
            cv2.fillPoly(full, [poly], 1)
            full = full.astype(bool)
            # Earlier objects keep most of their area, in one piece without holes.
            if all(obj['full_area'] * (1 - max_occlusion) <= (obj['visible'] & ~full).sum()
                   and _is_simple_region(obj['visible'] & ~full) for obj in objects):
                break
        else:
            continue
        color = np.clip(np.array(_bgr(SHAPE_CLASSES[classes[label]])) +
                        rng.uniform(-20, 20, size=3), 0, 255)
        img[full] = color
        for obj in objects:
            obj['visible'] &= ~full
        objects.append(dict(label=label, visible=full, full_area=int(full.sum())))
    return _finish(rng, img), objects


def make_coco_instances(out_dir,
                        num_train=8,
                        num_val=4,
                        img_size=(320, 240),
                        seed=0,
                        classes=('circle', 'square', 'triangle', 'star'),
                        objects_per_image=(1, 5),
                        object_size=(20, 120),
                        max_occlusion=0.4,
                        image_id_offset=0):
    """Write a COCO instance segmentation dataset of coloured shapes.

    Each class is one shape in one colour (:data:`SHAPE_CLASSES`), drawn with a little colour
    jitter, random size and rotation on a muted textured background. Later shapes may cover
    earlier ones; an object keeps at least ``1 - max_occlusion`` of its area, in one piece
    without holes. Annotations describe the *visible* part, as COCO does: ``segmentation`` is
    one polygon that rasterises (pycocotools) to exactly the visible pixels, ``area`` is their
    number and ``bbox`` ``[x, y, w, h]`` their extent.

    Layout: ``train2017/*.jpg``, ``val2017/*.jpg``,
    ``annotations/instances_{train,val}2017.json``.

    Args:
        out_dir (str): Output folder (the ``data_root``).
        num_train (int): Number of training images. Defaults to 8.
        num_val (int): Number of validation images. Defaults to 4.
        img_size (tuple[int, int]): Image ``(width, height)``. Defaults to (320, 240).
        seed (int): Random seed. Defaults to 0.
        classes (Sequence[str]): Class names, a subset of :data:`SHAPE_CLASSES`.
        objects_per_image (tuple[int, int]): Inclusive range of objects per image.
            Defaults to (1, 5).
        object_size (tuple[int, int]): Range of object sizes (diameter of the circumscribed
            circle) in pixels, sampled log-uniformly. Defaults to (20, 120).
        max_occlusion (float): Largest fraction of an object that later objects may cover.
            Defaults to 0.4.
        image_id_offset (int): Image ids (and file names) start at ``image_id_offset + 1``, so
            that several generators can share one COCO folder. Defaults to 0.

    Returns:
        dict: ``data_root``, ``metainfo`` (``classes`` and RGB ``palette``), and ``train`` /
        ``val``: keyword arguments of mmdet's ``CocoDataset`` (``data_root``, ``ann_file``,
        ``data_prefix``, ``metainfo``).
    """
    classes = _shape_classes(classes)
    if not 0 <= max_occlusion < 1:
        raise ValueError(f'max_occlusion must be in [0, 1), got {max_occlusion}')
    w, h = img_size
    if not 3 <= object_size[0] <= min(w, h) - 4:
        raise ValueError(f'object_size {object_size} does not fit images of size {img_size}')
    rng = _rng(seed, 'coco')
    categories = [dict(id=i + 1, name=name, supercategory='shape')
                  for i, name in enumerate(classes)]
    metainfo = dict(classes=classes, palette=[SHAPE_CLASSES[name] for name in classes])
    data_root = osp.abspath(out_dir)
    info = dict(data_root=data_root, metainfo=metainfo)
    img_id, ann_id = image_id_offset, 0
    for split, num in _split_sizes(num_train, num_val):
        images, annotations = [], []
        for _ in range(num):
            img_id += 1
            file_name = f'{img_id:012d}.jpg'
            img, objects = _draw_shapes(rng, w, h, classes, objects_per_image, object_size,
                                        max_occlusion)
            _write_image(osp.join(data_root, f'{split}2017', file_name), img)
            images.append(dict(id=img_id, file_name=file_name, width=w, height=h))
            for obj in objects:
                ann_id += 1
                x, y, bw, bh = cv2.boundingRect(obj['visible'].astype(np.uint8))
                annotations.append(
                    dict(
                        id=ann_id,
                        image_id=img_id,
                        category_id=obj['label'] + 1,
                        segmentation=_mask_to_polygons(obj['visible']),
                        area=int(obj['visible'].sum()),
                        bbox=[x, y, bw, bh],
                        iscrowd=0))
        ann_file = f'annotations/instances_{split}2017.json'
        _write_json(
            osp.join(data_root, ann_file),
            _coco_file(images, annotations, categories, 'mmhsnet mini COCO instances'))
        info[split] = dict(
            data_root=data_root,
            ann_file=ann_file,
            data_prefix=dict(img=f'{split}2017/'),
            metainfo=metainfo)
    return info


# --------------------------------------------------------------------------------------------
# People: stick figures for COCO keypoints and MPII
# --------------------------------------------------------------------------------------------
_FACE = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear')


def _side(name):
    """Colour group of a joint or limb, as in mmpose's metainfo: the face is 'center'."""
    if name in _FACE or not name.startswith(('left_', 'right_')):
        return 'center'
    return name.split('_')[0]


def _random_pose(rng):
    """A front-facing figure about one unit tall (y down, pelvis at the origin).

    The person's right side is on the image's left; arms and legs point outwards so that the
    left and right limbs never cross.

    Returns:
        tuple[dict, tuple, float]: joints (name -> (x, y)), head centre, head radius.
    """
    hip, shoulder = rng.uniform(0.08, 0.10), rng.uniform(0.11, 0.14)
    torso, head_r = rng.uniform(0.28, 0.32), rng.uniform(0.065, 0.08)
    j = dict(pelvis=(0.0, 0.0), right_hip=(-hip, 0.0), left_hip=(hip, 0.0),
             thorax=(0.0, -torso), right_shoulder=(-shoulder, -torso),
             left_shoulder=(shoulder, -torso), upper_neck=(0.0, -torso - 0.045))
    hx, hy = 0.0, -torso - 0.045 - head_r
    j.update(head_top=(hx, hy - head_r), nose=(hx, hy + 0.15 * head_r),
             right_eye=(hx - 0.4 * head_r, hy - 0.2 * head_r),
             left_eye=(hx + 0.4 * head_r, hy - 0.2 * head_r),
             right_ear=(hx - 0.95 * head_r, hy), left_ear=(hx + 0.95 * head_r, hy))

    def limb(start, sign, a1, a2, len1, len2):
        # Angles from straight down, turning outwards (towards ``sign`` * x).
        mid = (start[0] + sign * len1 * np.sin(a1), start[1] + len1 * np.cos(a1))
        end = (mid[0] + sign * len2 * np.sin(a2), mid[1] + len2 * np.cos(a2))
        return mid, end

    for side, sign in (('right', -1), ('left', 1)):
        a1 = np.deg2rad(rng.uniform(10, 160))
        a2 = np.clip(a1 + np.deg2rad(rng.uniform(-30, 90)), 0, np.pi)
        j[f'{side}_elbow'], j[f'{side}_wrist'] = limb(j[f'{side}_shoulder'], sign, a1, a2,
                                                      rng.uniform(0.15, 0.18),
                                                      rng.uniform(0.13, 0.16))
        b1 = np.deg2rad(rng.uniform(0, 30))
        b2 = np.clip(b1 + np.deg2rad(rng.uniform(-20, 20)), 0, np.deg2rad(45))
        j[f'{side}_knee'], j[f'{side}_ankle'] = limb(j[f'{side}_hip'], sign, b1, b2,
                                                     rng.uniform(0.22, 0.26),
                                                     rng.uniform(0.22, 0.26))
    # Lean the whole body a little around the pelvis.
    lean = np.deg2rad(rng.uniform(-10, 10))
    rot = np.array([[np.cos(lean), -np.sin(lean)], [np.sin(lean), np.cos(lean)]])
    joints = {name: tuple(rot @ np.asarray(p)) for name, p in j.items()}
    return joints, tuple(rot @ np.array([hx, hy])), head_r


_LIMBS = (('right_hip', 'right_knee', 'right_ankle'), ('left_hip', 'left_knee', 'left_ankle'),
          ('right_shoulder', 'right_elbow', 'right_wrist'),
          ('left_shoulder', 'left_elbow', 'left_wrist'))


def _render_person(dst, person, dot_names, color_of):
    """Draw a figure: legs, torso, arms, neck, head, then a dot on every joint of
    ``dot_names``. ``color_of(part)`` gives the colour of ``'torso'``, ``'skin'``,
    ``'limb:<side>'`` and ``'dot:<side>'``."""
    j, thick = person['joints'], person['thickness']
    for limb in _LIMBS[:2]:
        pts = np.array([j[n] for n in limb], np.int32)
        cv2.polylines(dst, [pts], False, color_of(f'limb:{_side(limb[0])}'), thick)
    torso = np.array([j[n] for n in ('right_shoulder', 'left_shoulder', 'left_hip',
                                     'right_hip')], np.int32)
    cv2.fillPoly(dst, [torso], color_of('torso'))
    cv2.polylines(dst, [torso], True, color_of('torso'), thick)
    for limb in _LIMBS[2:]:
        pts = np.array([j[n] for n in limb], np.int32)
        cv2.polylines(dst, [pts], False, color_of(f'limb:{_side(limb[0])}'), thick)
    cv2.line(dst, j['thorax'], j['upper_neck'], color_of('skin'), thick)
    cv2.circle(dst, person['head_center'], person['head_radius'], color_of('skin'), -1)
    for name in dot_names:
        radius = person['face_dot'] if name in _FACE else person['dot']
        cv2.circle(dst, j[name], radius, color_of(f'dot:{_side(name)}'), -1)


def _draw_people(rng, w, h, max_people, dot_names):
    """Draw 1..max_people non-overlapping figures side by side.

    Returns:
        tuple[np.ndarray, list[dict]]: The image and per person: ``joints`` (name -> integer
        pixel position), ``head_center``, ``head_radius`` and ``mask`` (holes filled).
    """
    img = _background(rng, h, w)
    num = int(rng.integers(1, max(1, min(max_people, w // 100)) + 1))
    slot = w / num
    people = []
    for i in range(num):
        joints, (hx, hy), head_r = _random_pose(rng)
        pts = np.array(list(joints.values()) + [(hx - head_r, hy - head_r),
                                                 (hx + head_r, hy + head_r)])
        (x0, y0), (x1, y1) = pts.min(0) - 0.03, pts.max(0) + 0.03
        scale = min(rng.uniform(0.5, 0.95) * (h - 4) / (y1 - y0), (slot - 4) / (x1 - x0))
        ox_lo, ox_hi = i * slot + 2 - x0 * scale, (i + 1) * slot - 2 - x1 * scale
        ox = rng.uniform(ox_lo, max(ox_lo, ox_hi))
        oy = rng.uniform(2 - y0 * scale, max(2 - y0 * scale, h - 2 - y1 * scale))
        person = dict(
            joints={
                name: (int(round(ox + x * scale)), int(round(oy + y * scale)))
                for name, (x, y) in joints.items()
            },
            head_center=(int(round(ox + hx * scale)), int(round(oy + hy * scale))),
            head_radius=max(3, int(round(head_r * scale))),
            thickness=max(2, int(round(0.035 * scale))),
            dot=max(2, int(round(0.022 * scale))),
            face_dot=max(2, int(round(0.015 * scale))))
        shirt = _bgr(_SHIRTS[rng.integers(len(_SHIRTS))])

        def color_of(part, shirt=shirt):
            if part == 'torso':
                return shirt
            if part == 'skin':
                return _bgr(_SKIN)
            kind, side = part.split(':')
            rgb = np.array(_SIDE_COLORS[side])
            return _bgr(rgb * 0.5 if kind == 'limb' else rgb)

        canvas = np.zeros((h, w, 3), np.uint8)
        mask = np.zeros((h, w), np.uint8)
        _render_person(canvas, person, dot_names, color_of)
        _render_person(mask, person, dot_names, lambda part: 1)
        img[mask.astype(bool)] = canvas[mask.astype(bool)]
        person['mask'] = _fill_holes(mask)
        people.append(person)
    return _finish(rng, img), people


def make_coco_keypoints(out_dir,
                        num_train=8,
                        num_val=4,
                        img_size=(320, 240),
                        seed=0,
                        max_people=3,
                        image_id_offset=1000000):
    """Write a COCO person keypoints dataset of stick figures.

    Front-facing figures (the person's left on the image's right) with a dot on each of the 17
    COCO joints, coloured as mmpose's COCO metainfo colours them (left green, right orange,
    face blue); limbs are darker lines. Every joint is inside the image and visible (``v=2``),
    at the integer pixel where its dot is centred. ``segmentation`` / ``area`` / ``bbox``
    describe the whole figure (holes filled).

    Layout: ``train2017/*.jpg``, ``val2017/*.jpg``,
    ``annotations/person_keypoints_{train,val}2017.json``.

    Args:
        out_dir (str): Output folder (the ``data_root``).
        num_train (int): Number of training images. Defaults to 8.
        num_val (int): Number of validation images. Defaults to 4.
        img_size (tuple[int, int]): Image ``(width, height)``. Defaults to (320, 240).
        seed (int): Random seed. Defaults to 0.
        max_people (int): Most figures per image (also limited to one per 100 pixels of
            width). Defaults to 3.
        image_id_offset (int): Image ids (and file names) start at ``image_id_offset + 1``;
            the default keeps them apart from :func:`make_coco_instances`' in a shared folder.
            Defaults to 1000000.

    Returns:
        dict: ``data_root``, ``metainfo`` (``classes``, ``keypoints``, ``skeleton``) and
        ``train`` / ``val``: keyword arguments of mmpose's ``CocoDataset`` (``data_root``,
        ``ann_file``, ``data_prefix``).
    """
    w, h = img_size
    rng = _rng(seed, 'coco_kpt')
    categories = [
        dict(supercategory='person', id=1, name='person', keypoints=list(COCO_KEYPOINTS),
             skeleton=COCO_SKELETON)
    ]
    data_root = osp.abspath(out_dir)
    info = dict(
        data_root=data_root,
        metainfo=dict(classes=('person', ), keypoints=COCO_KEYPOINTS, skeleton=COCO_SKELETON))
    img_id, ann_id = image_id_offset, 0
    for split, num in _split_sizes(num_train, num_val):
        images, annotations = [], []
        for _ in range(num):
            img_id += 1
            file_name = f'{img_id:012d}.jpg'
            img, people = _draw_people(rng, w, h, max_people, COCO_KEYPOINTS)
            _write_image(osp.join(data_root, f'{split}2017', file_name), img)
            images.append(dict(id=img_id, file_name=file_name, width=w, height=h))
            for person in people:
                ann_id += 1
                keypoints = []
                for name in COCO_KEYPOINTS:
                    keypoints += [*person['joints'][name], 2]
                x, y, bw, bh = cv2.boundingRect(person['mask'].astype(np.uint8))
                annotations.append(
                    dict(
                        id=ann_id,
                        image_id=img_id,
                        category_id=1,
                        segmentation=_mask_to_polygons(person['mask']),
                        area=int(person['mask'].sum()),
                        bbox=[x, y, bw, bh],
                        iscrowd=0,
                        keypoints=keypoints,
                        num_keypoints=len(COCO_KEYPOINTS)))
        ann_file = f'annotations/person_keypoints_{split}2017.json'
        _write_json(
            osp.join(data_root, ann_file),
            _coco_file(images, annotations, categories, 'mmhsnet mini COCO keypoints'))
        info[split] = dict(
            data_root=data_root, ann_file=ann_file, data_prefix=dict(img=f'{split}2017/'))
    return info


def _savemat_deterministic(path, variables):
    """``scipy.io.savemat`` without the creation time it writes into the file header."""
    from scipy.io import savemat
    buf = io.BytesIO()
    savemat(buf, variables, do_compression=False)
    data = bytearray(buf.getvalue())
    # MAT 5 header: 116 bytes of text, 8 bytes subsystem offset, version, endian indicator.
    data[:116] = b'MATLAB 5.0 MAT-file, written by mmhsnet.testing'.ljust(116)
    with open(path, 'wb') as f:
        f.write(bytes(data))


def make_mpii(out_dir, num_train=8, num_val=4, img_size=(320, 240), seed=0, max_people=2):
    """Write an MPII human pose dataset in mmpose's format.

    Figures as in :func:`make_coco_keypoints`, with dots on the 16 MPII joints. Files:

    * ``images/<9-digit id>.jpg`` (``MpiiDataset`` parses the image id from the name);
    * ``annotations/mpii_{train,val}.json``: one entry per person with ``image``,
      ``joints`` (16 x [x, y]), ``joints_vis``, ``center`` and ``scale`` (box side / 200).
      Coordinates are 1-based as in the official MATLAB annotations: ``MpiiDataset`` subtracts
      1 from ``center`` but keeps ``joints`` as they are (``MpiiPCKAccuracy`` adds 1 to the
      predictions instead), so the dot of a joint is at pixel ``joints - 1``;
    * ``annotations/mpii_gt_val.mat``: ``headboxes_src`` (2 x 2 x N, the head's corners, the
      only variable mmpose 1.x reads, for PCKh), ``pos_gt_src``, ``jnt_missing`` and
      ``dataset_joints`` as in the official file. ``MpiiDataset`` only accepts it with
      ``test_mode=True``, as the stock val config sets.

    Args:
        out_dir (str): Output folder (the ``data_root``).
        num_train (int): Number of training images. Defaults to 8.
        num_val (int): Number of validation images. Defaults to 4.
        img_size (tuple[int, int]): Image ``(width, height)``. Defaults to (320, 240).
        seed (int): Random seed. Defaults to 0.
        max_people (int): Most figures per image. Defaults to 2.

    Returns:
        dict: ``data_root``, ``metainfo`` (``keypoints``) and ``train`` / ``val``: keyword
        arguments of mmpose's ``MpiiDataset`` (``data_root``, ``ann_file``, ``data_prefix``;
        ``val`` also the absolute ``headbox_file``).
    """
    w, h = img_size
    rng = _rng(seed, 'mpii')
    data_root = osp.abspath(out_dir)
    info = dict(data_root=data_root, metainfo=dict(keypoints=MPII_KEYPOINTS))
    img_id = 0
    for split, num in _split_sizes(num_train, num_val):
        entries, headboxes = [], []
        for _ in range(num):
            img_id += 1
            file_name = f'{img_id:09d}.jpg'
            img, people = _draw_people(rng, w, h, max_people, MPII_KEYPOINTS)
            _write_image(osp.join(data_root, 'images', file_name), img)
            for person in people:
                x, y, bw, bh = cv2.boundingRect(person['mask'].astype(np.uint8))
                (hx, hy), hr = person['head_center'], person['head_radius']
                # 1-based (MATLAB) coordinates, as in the official annotations.
                entries.append(
                    dict(
                        joints_vis=[1] * len(MPII_KEYPOINTS),
                        joints=[[float(person['joints'][name][0] + 1),
                                 float(person['joints'][name][1] + 1)]
                                for name in MPII_KEYPOINTS],
                        image=file_name,
                        scale=round(max(bw, bh) / 200, 6),
                        center=[x + bw / 2 + 0.5, y + bh / 2 + 0.5]))
                headboxes.append([[hx - hr + 1, hy - hr + 1], [hx + hr + 1, hy + hr + 1]])
        ann_file = f'annotations/mpii_{split}.json'
        _write_json(osp.join(data_root, ann_file), entries)
        info[split] = dict(data_root=data_root, ann_file=ann_file, data_prefix=dict(img='images/'))
        if split == 'val':
            joints = np.array([e['joints'] for e in entries], np.float64)  # N x 16 x 2
            vis = np.array([e['joints_vis'] for e in entries], np.float64)
            headbox_file = osp.join(data_root, 'annotations', 'mpii_gt_val.mat')
            _savemat_deterministic(
                headbox_file,
                dict(
                    dataset_joints=np.array([[name] for name in _MPII_MAT_JOINTS],
                                            dtype=object).reshape(1, -1),
                    jnt_missing=(1 - vis).T,
                    pos_gt_src=joints.transpose(1, 2, 0),
                    headboxes_src=np.array(headboxes, np.float64).transpose(1, 2, 0)))
            info['val']['headbox_file'] = headbox_file
    return info


# --------------------------------------------------------------------------------------------
# Cityscapes: street scenes
# --------------------------------------------------------------------------------------------
def _draw_street(rng, w, h):
    """Paint a street scene back to front; return the BGR image and its train-id map."""
    label = np.empty((h, w), np.uint8)
    color = np.empty((h, w, 3), np.float32)

    def paint(mask, name):
        # The class colour, a little brighter or darker for each region.
        mask = mask.astype(bool)
        train_id = _CS[name]
        label[mask] = train_id
        color[mask] = np.array(_bgr(CITYSCAPES_PALETTE[train_id])) * rng.uniform(0.92, 1.06)

    def shape(draw):
        m = np.zeros((h, w), np.uint8)
        draw(m)
        return m

    def rect(x0, y0, x1, y1):
        return shape(lambda m: cv2.rectangle(m, (int(x0), int(y0)), (int(x1), int(y1)), 1, -1))

    horizon = int(h * rng.uniform(0.38, 0.5))
    paint(np.ones((h, w)), 'sky')
    x = 0
    while x < w:  # a row of buildings with an occasional gap of sky
        bw = int(w * rng.uniform(0.08, 0.25))
        if rng.random() > 0.15:
            paint(rect(x, h * rng.uniform(0.05, 0.35), x + bw, horizon), 'building')
        x += bw
    for _ in range(rng.integers(0, 4)):
        r = h * rng.uniform(0.06, 0.14)
        cx, cy = rng.uniform(0, w), horizon - r * rng.uniform(0.3, 1.0)
        paint(shape(lambda m: cv2.circle(m, (int(cx), int(cy)), int(r), 1, -1)), 'vegetation')
    paint(rect(0, horizon, w - 1, h - 1), 'sidewalk')
    if rng.random() < 0.6:
        paint(rect(0, horizon, w * rng.uniform(0.05, 0.2), horizon + h * 0.05), 'terrain')
    if rng.random() < 0.5:
        paint(rect(0, horizon - h * 0.06, w * rng.uniform(0.1, 0.3), horizon), 'fence')
    if rng.random() < 0.5:
        paint(rect(w * rng.uniform(0.7, 0.9), horizon - h * 0.05, w - 1, horizon), 'wall')
    # The road narrows towards a vanishing point on the horizon.
    vx = w * rng.uniform(0.4, 0.6)
    bottom_left, bottom_right = w * rng.uniform(-0.3, 0.15), w * rng.uniform(0.85, 1.3)
    road = np.array([[vx - w * 0.02, horizon], [vx + w * 0.02, horizon], [bottom_right, h],
                     [bottom_left, h]])
    paint(shape(lambda m: cv2.fillPoly(m, [np.round(road).astype(np.int32)], 1)), 'road')

    def road_span(y):
        t = (y - horizon) / (h - horizon)
        return (vx - w * 0.02 + t * (bottom_left - vx + w * 0.02),
                vx + w * 0.02 + t * (bottom_right - vx - w * 0.02))

    # Things stand on the ground at ``base`` and scale with their distance below the horizon;
    # paint the farthest first.
    things = []
    for _ in range(rng.integers(1, 4)):
        things.append(('car' if rng.random() < 0.75 else 'bus', rng.uniform(0.15, 0.95)))
    for _ in range(rng.integers(0, 3)):
        things.append(('person', rng.uniform(0.1, 0.8)))
    for _ in range(rng.integers(1, 3)):
        things.append(('pole', rng.uniform(0.05, 0.6)))
    for name, depth in sorted(things, key=lambda t: t[1]):
        base = horizon + depth * (h - horizon)
        size = depth * h * 0.5 + 4
        left, right = road_span(base)
        if name in ('car', 'bus'):
            width = size * (1.6 if name == 'car' else 2.2)
            height = size * (0.7 if name == 'car' else 1.2)
            cx = rng.uniform(max(left, 0), max(min(right, w), max(left, 0) + 1))
            if name == 'car':  # body and cabin
                body = rect(cx - width / 2, base - height * 0.6, cx + width / 2, base)
                body |= rect(cx - width * 0.3, base - height, cx + width * 0.3, base)
            else:  # a bus is a box
                body = rect(cx - width / 2, base - height, cx + width / 2, base)
            paint(body, name)
        else:
            # On the sidewalk, left or right of the road when there is room.
            sides = [s for s in ((0, left), (right, w)) if s[1] - s[0] > 4]
            if not sides:
                continue
            lo, hi = sides[rng.integers(len(sides))]
            cx = rng.uniform(lo + 2, hi - 2)
            if name == 'person':
                height, r = size * 1.1, max(1.5, size * 0.1)
                body = shape(lambda m: cv2.ellipse(
                    m, (int(cx), int(base - height * 0.4)),
                    (max(1, int(height * 0.13)), max(1, int(height * 0.4))), 0, 0, 360, 1, -1))
                body |= shape(lambda m: cv2.circle(m, (int(cx), int(base - height * 0.88)),
                                                   int(r), 1, -1))
                paint(body, 'person')
            else:
                height, half = size * 2.2, max(1, size * 0.04)
                top = max(0, base - height)
                paint(rect(cx - half, top, cx + half, base), 'pole')
                # A square sign or a light twice as tall as wide on top of the pole.
                side = max(3, size * 0.25)
                if rng.random() < 0.5:
                    paint(rect(cx - side / 2, top, cx + side / 2, top + side), 'traffic sign')
                else:
                    paint(rect(cx - side / 2, top, cx + side / 2, top + 2 * side),
                          'traffic light')
    if rng.random() < 0.5:  # the ego vehicle's bonnet is void (ignored), as in Cityscapes
        top = h * (1 - rng.uniform(0.04, 0.1))
        hood = shape(lambda m: cv2.ellipse(m, (w // 2, h), (int(w * 0.6), int(h - top)), 0, 180,
                                           360, 1, -1))
        hood = hood.astype(bool)
        label[hood] = CITYSCAPES_IGNORE_INDEX
        color[hood] = 25
    img = color + 12 * _texture(rng, h, w)[..., None]
    return _finish(rng, img), label


def make_cityscapes(out_dir, num_train=8, num_val=4, img_size=(256, 128), seed=0):
    """Write a Cityscapes-style semantic segmentation dataset of street scenes.

    Sky, buildings, trees, sidewalk, road (narrowing to a vanishing point), fences, walls,
    cars, buses, people, poles with traffic signs or lights, and sometimes the ego vehicle's
    bonnet (void, 255), each region painted in its Cityscapes colour
    (:data:`CITYSCAPES_PALETTE`) with a little brightness jitter and texture. File names follow
    Cityscapes (``<city>_000000_<frame>``); images alternate between two cities per split.

    Layout: ``leftImg8bit/{train,val}/<city>/*_leftImg8bit.png`` and
    ``gtFine/{train,val}/<city>/*_gtFine_labelTrainIds.png`` (uint8 train ids 0-18, 255
    ignored), as mmseg's ``tools/dataset_converters/cityscapes.py`` leaves them.

    Args:
        out_dir (str): Output folder (the ``data_root``).
        num_train (int): Number of training images. Defaults to 8.
        num_val (int): Number of validation images. Defaults to 4.
        img_size (tuple[int, int]): Image ``(width, height)``. Defaults to (256, 128).
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``data_root``, ``metainfo`` (``classes``, RGB ``palette``) and ``train`` /
        ``val``: keyword arguments of mmseg's ``CityscapesDataset`` (``data_root``,
        ``data_prefix``).
    """
    w, h = img_size
    rng = _rng(seed, 'cityscapes')
    data_root = osp.abspath(out_dir)
    cities = dict(train=('aachen', 'bremen'), val=('frankfurt', 'munster'))
    info = dict(
        data_root=data_root,
        metainfo=dict(classes=CITYSCAPES_CLASSES, palette=[list(c) for c in CITYSCAPES_PALETTE]))
    for split, num in _split_sizes(num_train, num_val):
        for i in range(num):
            city = cities[split][i % 2]
            stem = f'{city}_000000_{i:06d}'
            img, label = _draw_street(rng, w, h)
            _write_image(
                osp.join(data_root, 'leftImg8bit', split, city, f'{stem}_leftImg8bit.png'), img)
            _write_image(
                osp.join(data_root, 'gtFine', split, city, f'{stem}_gtFine_labelTrainIds.png'),
                label)
        info[split] = dict(
            data_root=data_root,
            data_prefix=dict(img_path=f'leftImg8bit/{split}', seg_map_path=f'gtFine/{split}'))
    return info


# --------------------------------------------------------------------------------------------
# ImageNet layout: one shape per image, its shape is its class
# --------------------------------------------------------------------------------------------
def make_imagenet(out_dir,
                  num_train=10,
                  num_val=5,
                  img_size=(96, 96),
                  seed=0,
                  classes=tuple(SHAPE_CLASSES),
                  object_size=(24, 80),
                  random_colors=False):
    """Write a classification dataset in ImageNet's layout: one shape per image, the shape is
    the class.

    Each image holds one shape of :data:`SHAPE_CLASSES` with random size, rotation and position
    on a textured background, drawn as :func:`make_coco_instances` draws it (its class's colour,
    jittered), or with ``random_colors`` in the colour of a random class, so that only the
    outline tells the class. Classes are balanced (image ``i`` of a split is of class
    ``i % len(classes)``).

    Layout (mmpretrain's ``ImageNet`` with ``split='train'`` / ``'val'`` reads it)::

        train/<class>/<class>_<k>.JPEG    meta/train.txt: "<class>/<class>_<k>.JPEG <label>"
        val/val_<k>.JPEG                  meta/val.txt:   "val_<k>.JPEG <label>"

    Args:
        out_dir (str): Output folder (the ``data_root``).
        num_train (int): Number of training images. Defaults to 10.
        num_val (int): Number of validation images. Defaults to 5.
        img_size (tuple[int, int]): Image ``(width, height)``. Defaults to (96, 96).
        seed (int): Random seed. Defaults to 0.
        classes (Sequence[str]): Class names, a subset of :data:`SHAPE_CLASSES`; their order
            gives the labels. Defaults to all five.
        object_size (tuple[int, int]): Range of shape sizes (diameter of the circumscribed
            circle) in pixels, sampled log-uniformly. Defaults to (24, 80).
        random_colors (bool): Colour each shape as a random class instead of its own.
            Defaults to False.

    Returns:
        dict: ``data_root``, ``metainfo`` (``classes``), and ``train`` / ``val``: keyword
        arguments of mmpretrain's ``ImageNet`` (``data_root``, ``split``, ``metainfo``).
    """
    classes = _shape_classes(classes)
    w, h = img_size
    if not 3 <= object_size[0] <= object_size[1] <= min(w, h) - 4:
        raise ValueError(f'object_size {object_size} does not fit images of size {img_size}')
    rng = _rng(seed, 'imagenet')
    colors = list(SHAPE_CLASSES.values())
    data_root = osp.abspath(out_dir)
    metainfo = dict(classes=classes)
    info = dict(data_root=data_root, metainfo=metainfo)
    lo, hi = np.log(object_size[0]), np.log(object_size[1])
    for split, num in _split_sizes(num_train, num_val):
        lines = []
        for i in range(num):
            label = i % len(classes)
            size = float(np.exp(rng.uniform(lo, hi)))
            r = size / 2 + 1
            cx, cy = rng.uniform(r, w - 1 - r), rng.uniform(r, h - 1 - r)
            poly = _shape_polygon(classes[label], cx, cy, size, rng.uniform(0, 2 * np.pi))
            img = _background(rng, h, w)
            drawn = rng.integers(len(colors))  # drawn either way: same images otherwise
            color = np.array(_bgr(colors[drawn] if random_colors else
                                  SHAPE_CLASSES[classes[label]]))
            cv2.fillPoly(img, [poly], np.clip(color + rng.uniform(-20, 20, size=3), 0,
                                              255).tolist())
            if split == 'train':
                name = f'{classes[label]}/{classes[label]}_{i:05d}.JPEG'
            else:
                name = f'val_{i:08d}.JPEG'
            _write_image(osp.join(data_root, split, name), _finish(rng, img))
            lines.append(f'{name} {label}\n')
        os.makedirs(osp.join(data_root, 'meta'), exist_ok=True)
        with open(osp.join(data_root, 'meta', f'{split}.txt'), 'w', encoding='utf-8') as f:
            f.writelines(lines)
        info[split] = dict(data_root=data_root, split=split, metainfo=metainfo)
    return info


# --------------------------------------------------------------------------------------------
# All of them
# --------------------------------------------------------------------------------------------
def ensure_dataset(maker, out_dir, **kwargs):
    """Run a generator unless ``out_dir`` already holds what it would write.

    A generator that finished leaves ``mmhsnet_dataset.json`` (its name and arguments) in
    ``out_dir``; the next call with the same generator and arguments returns at once. A run
    that was interrupted, or that had other arguments, is redone.

    Args:
        maker (callable): A generator of this module, e.g. :func:`make_coco_instances`.
        out_dir (str): Its output folder.
        **kwargs: Its other arguments.

    Returns:
        bool: Whether the dataset was generated (False: it was there already).
    """
    stamp_file = osp.join(out_dir, 'mmhsnet_dataset.json')
    # Through JSON, so that tuples and lists compare equal.
    stamp = json.loads(json.dumps(dict(generator=maker.__name__, arguments=kwargs)))
    if osp.isfile(stamp_file):
        with open(stamp_file, encoding='utf-8') as f:
            if json.load(f) == stamp:
                return False
        os.remove(stamp_file)
    maker(out_dir, **kwargs)
    _write_json(stamp_file, stamp)
    return True


def make_all(out_dir, seed=0, num_train=None, num_val=None, datasets=MINI_DATASETS):
    """Write the mini datasets into ``out_dir/coco`` (instances and keypoints, which share the
    image folders as in COCO, with distinct image ids), ``out_dir/cityscapes``,
    ``out_dir/mpii`` and ``out_dir/imagenet``.

    Args:
        out_dir (str): Output folder.
        seed (int): Random seed, passed to every generator. Defaults to 0.
        num_train (int, optional): Training images per dataset; the generators' default
            when None.
        num_val (int, optional): Validation images per dataset; the generators' default
            when None.
        datasets (Sequence[str]): Which of :data:`MINI_DATASETS` to write. Defaults to all.

    Returns:
        dict: Dataset name -> what its generator returned.
    """
    unknown = set(datasets) - set(MINI_DATASETS)
    if unknown:
        raise KeyError(f'Unknown datasets {sorted(unknown)}, available: {MINI_DATASETS}')
    sizes = {}
    if num_train is not None:
        sizes['num_train'] = num_train
    if num_val is not None:
        sizes['num_val'] = num_val
    makers = dict(
        coco=(make_coco_instances, 'coco'),
        coco_kpt=(make_coco_keypoints, 'coco'),
        cityscapes=(make_cityscapes, 'cityscapes'),
        mpii=(make_mpii, 'mpii'),
        imagenet=(make_imagenet, 'imagenet'))
    results = {}
    for name in MINI_DATASETS:
        if name in datasets:
            maker, folder = makers[name]
            results[name] = maker(osp.join(out_dir, folder), seed=seed, **sizes)
    return results
