"""The demo: train and evaluate a detector with an HS-ResNet backbone on data generated here.

    python tools/demo.py [--config CONFIG] [--work-dir DIR] [--num-pictures N]
                         [--cfg-options K=V ...]

1. Generates the synthetic COCO-format "shapes" dataset the config describes
   (``shapes_dataset``, into ``data_root``) unless it is there already.
2. Trains the config (default: ``configs/demo/faster-rcnn_hsr50_fpn_shapes-demo.py``, Faster
   R-CNN + FPN with HS-ResNet-50 from scratch) with mmengine's Runner, which evaluates COCO bbox
   mAP on the held-out val split at the end.
3. Draws ground truth (left) and predictions (right) of a few val images with mmdet's
   visualizer, and prints the final ``coco/bbox_mAP`` and where the checkpoint, log and
   pictures are.
"""
import argparse
import os.path as osp
import time

import mmcv
import numpy as np
import torch
from mmdet.structures.bbox import get_box_tensor
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook

import mmhsnet  # noqa: F401  (applies the checkpoint-loading fix, see mmhsnet/utils/checkpoint.py)
from mmhsnet.apis import (InputError, add_random_state_hook, build_runner, check_config, cli_main,
                          load_config, parse_args_with_launch_options)
from mmhsnet.testing import ensure_dataset, make_coco_instances

DEFAULT_CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'demo',
    'faster-rcnn_hsr50_fpn_shapes-demo.py')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Train and evaluate Faster R-CNN with HS-ResNet-50 on generated data')
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='demo config file path')
    parser.add_argument(
        '--work-dir', default='work_dirs/demo', help='the dir to save logs, models, pictures')
    parser.add_argument(
        '--num-pictures', type=int, default=6, help='val images to draw predictions on')
    return parse_args_with_launch_options(parser)


class KeepMetrics(Hook):
    """Remembers the metrics of the last validation."""
    priority = 'LOWEST'

    def __init__(self):
        self.metrics = {}

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = dict(metrics or {})


def prepare_data(cfg):
    """Generate the config's ``shapes_dataset`` into its ``data_root`` unless it is there."""
    if 'shapes_dataset' not in cfg or 'data_root' not in cfg:
        raise InputError('the demo config must define data_root and shapes_dataset '
                         '(the arguments of mmhsnet.testing.make_coco_instances)')
    kwargs = dict(cfg.shapes_dataset, classes=list(cfg.metainfo['classes']))
    total = kwargs['num_train'] + kwargs['num_val']
    print(f'Preparing the shapes dataset in {cfg.data_root} '
          f"({kwargs['num_train']} train + {kwargs['num_val']} val images) ...", flush=True)
    start = time.perf_counter()
    created = ensure_dataset(make_coco_instances, cfg.data_root, **kwargs)
    if created:
        print(f'Generated {total} images in {time.perf_counter() - start:.0f} s.', flush=True)
    else:
        print('Found it (generated earlier); reusing it.', flush=True)


@torch.no_grad()
def draw_predictions(runner, num_pictures, scale=3):
    """Ground truth (left) and predictions (right) on the first val images, drawn with the
    runner's ``DetLocalVisualizer`` at ``scale`` times the image size."""
    out_dir = osp.join(runner.log_dir, 'predictions')
    dataset = runner.val_dataloader.dataset
    visualizer = runner.visualizer
    visualizer.dataset_meta = dataset.metainfo
    model = runner.model
    model.eval()
    pictures = []
    for index in range(min(num_pictures, len(dataset))):
        (sample, ) = model.test_step(pseudo_collate([dataset[index]]))
        image = mmcv.imread(sample.img_path, channel_order='rgb')
        image = mmcv.imrescale(image, scale)
        for instances in (sample.gt_instances, sample.pred_instances):
            instances.bboxes = get_box_tensor(instances.bboxes) * scale
        out_file = osp.join(out_dir, osp.basename(sample.img_path))
        visualizer.add_datasample(
            'prediction', image, sample, pred_score_thr=0.5, out_file=out_file)
        pictures.append(visualizer.get_image())
    grid = osp.join(out_dir, 'predictions.jpg')
    mmcv.imwrite(np.concatenate(pictures, axis=0)[..., ::-1], grid)
    return out_dir, grid


@cli_main
def main():
    args = parse_args()
    start = time.perf_counter()
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.launcher)
    prepare_data(cfg)
    # the hooks tools/train.py adds, so that both tools train a config the same way
    add_random_state_hook(cfg)
    check_config(cfg, ('train', 'val'))

    runner = build_runner(cfg)
    keep = KeepMetrics()
    runner.register_hook(keep)
    runner.train()
    mAP = keep.metrics.get('coco/bbox_mAP')
    if mAP is None:
        raise InputError(f'the training ended without a COCO bbox evaluation '
                         f'(metrics: {keep.metrics}); the demo config must validate at the end')
    pictures, grid = draw_predictions(runner, args.num_pictures)

    with open(osp.join(runner.work_dir, 'last_checkpoint'), encoding='utf-8') as f:
        checkpoint = f.read().strip()
    minutes, seconds = divmod(round(time.perf_counter() - start), 60)
    print('\n'.join([
        '',
        f'Demo finished in {minutes} min {seconds:02d} s.',
        f"  coco/bbox_mAP: {mAP:.3f}   (held-out val split, {len(runner.val_dataloader.dataset)} "
        f"images; mAP@0.5: {keep.metrics.get('coco/bbox_mAP_50', float('nan')):.3f})",
        f'  checkpoint:    {checkpoint}',
        f'  log:           {osp.join(runner.log_dir, runner.timestamp + ".log")}',
        f'  pictures:      {grid} (ground truth left, predictions right; one file per image '
        f'in {pictures})',
    ]), flush=True)


if __name__ == '__main__':
    main()
