"""tools/analysis_tools/: get_flops.py and benchmark.py run as a user runs them."""
import re

from conftest import HEADLINE_CONFIG, ROOT, run_tool

TOOLS = ROOT / 'tools' / 'analysis_tools'


def run(*args):
    return run_tool(*args, timeout=600).stdout


def test_get_flops_backbone_and_config():
    out = run(TOOLS / 'get_flops.py', '--backbone', 'mmhsnet.HSResNet', '--args', 'depth=50')
    assert 'params: 22.84 M' in out and 'FLOPs: 4.31 G' in out, out  # the README's numbers
    out = run(TOOLS / 'get_flops.py', HEADLINE_CONFIG, '--backbone-only', '--shape', '224')
    assert 'params: 22.84 M' in out, out


def test_benchmark_runs_baselines_in_the_same_process(tmp_path):
    table, plot = tmp_path / 'bench.md', tmp_path / 'bench.png'
    out = run(TOOLS / 'benchmark.py', 'mmhsnet.HSResNet:depth=50', 'mmhsnet.LiteHRNet:arch=18',
              '--shape', '64', '64', '--batch-sizes', '1', '2', '--warmup', '0', '--repeats',
              '1', '--out', table, '--plot', plot)
    rows = {line.split('|')[1].strip(): line for line in out.splitlines()
            if line.startswith('| ') and not line.startswith('| model')}
    assert set(rows) == {'mmhsnet.HSResNet:depth=50', 'mmhsnet.LiteHRNet:arch=18', 'ResNet-50',
                         'ResNet-50-D', 'Res2Net-50', 'ResNeSt-50 (mmdet)',
                         'Lite-HRNet-18 (mmpose)'}
    assert re.search(r'\| ResNet-50-D \| 23\.53 \| [\d.]+ \|.* 1\.00x \|.* 1\.00x \|$',
                     rows['ResNet-50-D'])
    assert re.search(r'img/s b1 \| ratio b1 \|.*img/s b2 \| ratio b2', out)
    assert table.read_text().strip() in out
    assert plot.stat().st_size > 10000


def test_benchmark_deploy_rows_and_compile():
    """--deploy adds a row per fused variant beside the reference path; --compile compiles
    every model and reports the compilation (aot_eager: tracing only, seconds on 2 cores)."""
    out = run(TOOLS / 'benchmark.py', 'mmhsnet.HSResNet:depth=50', '--baselines', 'none',
              '--shape', '64', '64', '--batch-sizes', '1', '--warmup', '0', '--repeats', '1',
              '--deploy', '', 'channel_multiple=8', '--compile', '--compile-backend',
              'aot_eager')
    rows = [line.split('|')[1].strip() for line in out.splitlines()
            if line.startswith('| ') and not line.startswith('| model')]
    assert rows == ['mmhsnet.HSResNet:depth=50', 'mmhsnet.HSResNet:depth=50 (deploy)',
                    'mmhsnet.HSResNet:depth=50 (deploy: channel_multiple=8)']
    assert 'torch.compile default (aot_eager)' in out
    assert len(re.findall(r'compiled for batch 1 in [\d.]+ s', out)) == 6  # printed + table
