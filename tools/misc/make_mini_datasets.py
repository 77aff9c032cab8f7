"""Write small synthetic COCO (instances, keypoints), Cityscapes, MPII and ImageNet-layout
datasets in their real on-disk formats (see :mod:`mmhsnet.testing.mini_datasets`).

    python tools/misc/make_mini_datasets.py OUT_DIR [--seed 0] [--num-train N] [--num-val N]
                                            [--only coco coco_kpt cityscapes mpii imagenet]

Writes ``OUT_DIR/coco``, ``OUT_DIR/cityscapes``, ``OUT_DIR/mpii`` and ``OUT_DIR/imagenet``;
point a config's ``data_root`` there (e.g.
``--cfg-options train_dataloader.dataset.data_root=OUT_DIR/coco``).
"""
import argparse

from mmhsnet.testing import MINI_DATASETS, make_all


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write small synthetic datasets in COCO, Cityscapes, MPII and ImageNet '
        'formats')
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--only',
        nargs='+',
        choices=MINI_DATASETS,
        default=list(MINI_DATASETS),
        help='datasets to write (default: all)')
    parser.add_argument(
        '--num-train', type=int, help='training images per dataset (default: 8; ImageNet: 10)')
    parser.add_argument(
        '--num-val', type=int, help='validation images per dataset (default: 4; ImageNet: 5)')
    return parser.parse_args()


def main():
    args = parse_args()
    results = make_all(
        args.out_dir,
        seed=args.seed,
        num_train=args.num_train,
        num_val=args.num_val,
        datasets=args.only)
    for name, info in results.items():
        print(f'{name}: {info["data_root"]}')
        for split in ('train', 'val'):
            files = {k: v for k, v in info[split].items() if k not in ('data_root', 'metainfo')}
            print(f'  {split}: {files}')


if __name__ == '__main__':
    main()
