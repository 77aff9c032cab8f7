"""The README's demo command, shortened (few images, 2 iterations), run as a user runs it."""
import re

from conftest import ROOT, run_tool

SHORT = ['shapes_dataset.num_train=8', 'shapes_dataset.num_val=4', 'train_cfg.max_iters=2',
         'train_cfg.val_interval=2', 'param_scheduler.0.end=1', 'param_scheduler.1.begin=1',
         'default_hooks.checkpoint.interval=2',
         'param_scheduler.1.end=2', 'train_dataloader.batch_size=2',
         'default_hooks.logger.interval=1']
for _split in ('train', 'val', 'test'):
    SHORT += [f'{_split}_dataloader.num_workers=0', f'{_split}_dataloader.persistent_workers=False']


def demo(cwd, *args):
    result = run_tool(ROOT / 'tools' / 'demo.py', '--work-dir', 'work', *args, '--cfg-options',
                      *SHORT, cwd=cwd)
    return result.stdout, result.stdout + result.stderr


def test_demo_generates_trains_evaluates_and_draws(tmp_path):
    out, log = demo(tmp_path, '--num-pictures', '2')
    assert 'Generated 12 images' in out
    assert re.search(r'Iter\(train\) \[2/2\].*loss: ', log)
    assert 'Evaluating bbox...' in log

    summary = out[out.index('Demo finished in'):]
    assert re.search(r'coco/bbox_mAP: \d\.\d{3} +\(held-out val split, 4 images', summary)
    paths = dict(re.findall(r'^  (checkpoint|log|pictures): +(\S+)', summary, re.M))
    assert paths.keys() == {'checkpoint', 'log', 'pictures'}, summary
    assert paths['checkpoint'].endswith('iter_2.pth')
    for path in paths.values():
        assert (tmp_path / path).is_file(), path
    assert 'Iter(train) [2/2]' in (tmp_path / paths['log']).read_text()
    pictures = (tmp_path / paths['pictures']).parent
    assert len(list(pictures.glob('*.jpg'))) == 3  # 2 images and the grid of both

    # The second run reuses the data.
    data = tmp_path / 'data' / 'shapes'
    images = sorted(data.rglob('*.jpg'))
    assert len(images) == 12
    mtimes = [p.stat().st_mtime_ns for p in images]
    out, _ = demo(tmp_path, '--num-pictures', '1')
    assert 'Found it (generated earlier); reusing it.' in out
    assert 'Generated' not in out
    assert [p.stat().st_mtime_ns for p in sorted(data.rglob('*.jpg'))] == mtimes
