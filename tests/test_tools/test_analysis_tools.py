"""tools/analysis_tools/: get_flops.py and benchmark.py run as a user runs them."""
import os
import re
import sys

import pytest
from conftest import HEADLINE_CONFIG, ROOT, run_tool

TOOLS = ROOT / 'tools' / 'analysis_tools'


def run(*args):
    return run_tool(*args, timeout=600).stdout


def table_rows(text):
    """{model: row} of a benchmark.py table, in order."""
    return {line.split('|')[1].strip(): line for line in text.splitlines()
            if line.startswith('| ') and not line.startswith('| model')}


def test_get_flops_backbone_and_config():
    out = run(TOOLS / 'get_flops.py', 'mmhsnet.HSResNet:depth=50')
    assert 'params: 22.84 M' in out and 'FLOPs: 4.31 G' in out, out  # the README's numbers
    out = run(TOOLS / 'get_flops.py', HEADLINE_CONFIG, '--backbone-only', '--shape', '224')
    assert 'params: 22.84 M' in out, out
    # the fused form: BN folded away (the parameters are buffers), FLOPs of the padded convs
    out = run(TOOLS / 'get_flops.py', 'mmhsnet.HSResNet:depth=50', '--deploy')
    assert 'FLOPs: 4.31 G' in out, out


@pytest.mark.parametrize('args,message', [
    (['mmhsnet.HSResnet:depth=50'], "error: model 'mmhsnet.HSResnet' is not registered in "
     'mmhsnet (did you mean mmhsnet.HSResNet'),
    (['mmhsnet.HSResNet:depth=51'], 'error: model mmhsnet.HSResNet: depth must be one of '
     '[50, 101, 152], got 51'),
    (['mmhsnet.HSResNet:depth'], "error: model argument of mmhsnet.HSResNet 'depth' is not "
     'KEY=VALUE'),
    (['mmhsnet.ResNeSt:depth=50', '--deploy'], 'error: --deploy '),
    (['mmhsnet.HSResNet:depth=50', '--backbone-only'], 'error: --backbone-only and '
     '--cfg-options need a config file as MODEL'),
    (['nowhere.py'], "error: config file 'nowhere.py' does not exist"),
])
def test_get_flops_bad_inputs(args, message):
    result = run_tool(TOOLS / 'get_flops.py', *args, ok=False)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_benchmark_runs_baselines_in_the_same_process(tmp_path):
    table, plot = tmp_path / 'bench.md', tmp_path / 'bench.png'
    out = run(TOOLS / 'benchmark.py', 'mmhsnet.HSResNet:depth=50', 'mmhsnet.LiteHRNet:arch=18',
              '--shape', '64', '64', '--batch-sizes', '1', '2', '--warmup', '0', '--repeats',
              '1', '--out', table, '--plot', plot)
    rows = table_rows(out)
    assert set(rows) == {'mmhsnet.HSResNet:depth=50', 'mmhsnet.LiteHRNet:arch=18', 'ResNet-50',
                         'ResNet-50-D', 'Res2Net-50', 'ResNeSt-50 (mmdet)',
                         'Lite-HRNet-18 (mmpose)'}
    assert re.search(r'\| ResNet-50-D \| 23\.53 \| [\d.]+ \|.* 1\.00x \|.* 1\.00x \|$',
                     rows['ResNet-50-D'])
    assert re.search(r'img/s b1 \| ratio b1 \|.*img/s b2 \| ratio b2', out)
    assert table.read_text().strip() in out
    assert plot.stat().st_size > 10000


def test_benchmark_gpu_script_dry_run_on_the_cpu(tmp_path):
    """The prepared GPU run (docs/benchmarks.md), overridden to run on the CPU in seconds (bf16
    autocast, as the GPU run's fp16)."""
    run_tool(TOOLS / 'benchmark_gpu.sh', tmp_path, '--device', 'cpu', '--dtype', 'bf16',
             '--shape', '32', '32', '--batch-sizes', '1', '--warmup', '0', '--repeats', '1',
             '--baselines', 'none', '--compile-backend', 'aot_eager', interpreter='bash',
             env=dict(os.environ, PYTHON=sys.executable), timeout=600)
    rows = {name: table_rows((tmp_path / f'{name}.md').read_text())
            for name in ('eager_fp16', 'eager_fp32', 'compiled_fp16')}
    hsr50, models = 'mmhsnet.HSResNet:depth=50', ['mmhsnet.ResNeSt:depth=50',
                                                 'mmhsnet.LiteHRNet:arch=18']
    # --deploy: one row per fused variant, beside the reference path
    assert list(rows['eager_fp16']) == [
        hsr50, f'{hsr50} (deploy)', f'{hsr50} (deploy: channel_multiple=8)',
        f'{hsr50} (deploy: channel_multiple=8,split_x=True)', *models]
    assert list(rows['eager_fp32']) == [hsr50, f'{hsr50} (deploy)', *models]
    assert list(rows['compiled_fp16']) == [hsr50, f'{hsr50} (deploy: channel_multiple=8)']
    # --compile: every model compiled, the compilation reported
    compiled = (tmp_path / 'compiled_fp16.md').read_text()
    assert 'bf16, channels_last; torch.compile reduce-overhead (aot_eager)' in compiled
    assert len(re.findall(r'compiled for batch 1 in [\d.]+ s', compiled)) == 2
    assert (tmp_path / 'eager_fp16.png').stat().st_size > 10000
