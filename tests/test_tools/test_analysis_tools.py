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


def table_cells(text):
    """{model: {column: cell}} of a benchmark.py table."""
    def cells(line):
        return [cell.strip() for cell in line.strip().strip('|').split('|')]

    lines = [line for line in text.splitlines() if line.startswith('| ')]
    header = cells(lines[0])
    assert header[0] == 'model', lines[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in map(cells, lines[1:])}


def assert_ratios_and_throughputs(text, batch_sizes, reference='ResNet-50-D'):
    """In every row, at every batch size, the printed ratio is (reference latency / latency) and
    img/s is (batch / latency), to the printed precision: each printed latency is within 0.05 ms
    of the one measured, img/s within 0.05 and the ratio within 0.005 of their exact values."""
    table = table_cells(text)
    slack = 1e-9
    for batch in batch_sizes:
        ref = float(table[reference][f'latency b{batch} (ms)'])
        for label, row in table.items():
            latency = float(row[f'latency b{batch} (ms)'])
            assert latency >= 0.1, (label, row)
            ratio = float(row[f'ratio b{batch}'].removesuffix('x'))
            low, high = (ref - 0.05) / (latency + 0.05), (ref + 0.05) / (latency - 0.05)
            assert low - 0.005 - slack <= ratio <= high + 0.005 + slack, (
                f'{label}, batch {batch}: ratio {ratio} is not {ref} ms / {latency} ms')
            throughput = float(row[f'img/s b{batch}'])
            low, high = batch * 1e3 / (latency + 0.05), batch * 1e3 / (latency - 0.05)
            assert low - 0.05 - slack <= throughput <= high + 0.05 + slack, (
                f'{label}, batch {batch}: {throughput} img/s is not {batch} / {latency} ms')
    # a ratio of 1 equals its inverse: some row must be clearly slower or faster than the
    # reference for the check above to tell reference / row from row / reference
    assert any(abs(float(row[f'ratio b{batch}'].removesuffix('x')) - 1) > 0.05
               for row in table.values() for batch in batch_sizes), text
    return table


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
    # every row, HS-ResNet-50's and the other non-reference ones too: ratio = ResNet-50-D's
    # latency / the row's latency, img/s = batch / latency
    assert_ratios_and_throughputs(out, batch_sizes=(1, 2))
    assert re.search(r'img/s b1 \| ratio b1 \|.*img/s b2 \| ratio b2', out)
    assert table.read_text().strip() in out
    assert plot.stat().st_size > 10000


# What the GPU machine lacks (docs/benchmarks.md): the toolkits and mmcv's compiled ops (it has
# mmcv-lite). A sitecustomize.py put on PYTHONPATH hides them from every Python process the GPU
# script starts, as if not installed: importlib.util.find_spec gives None (benchmark.py's
# --baselines auto then picks timm's baselines) and importing them raises ModuleNotFoundError.
# Each process records that it ran with it.
HIDE_TOOLKITS = """\
import os
import sys
from importlib.machinery import PathFinder

HIDDEN = ('mmdet', 'mmseg', 'mmpose', 'mmcv.ops', 'mmcv._ext')


class HidingPathFinder(PathFinder):
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if any(fullname == name or fullname.startswith(name + '.') for name in HIDDEN):
            return None
        return super().find_spec(fullname, path, target)


sys.meta_path[:] = [HidingPathFinder if f is PathFinder else f for f in sys.meta_path]
with open(os.environ['MMHSNET_TEST_HIDDEN_LOG'], 'a') as f:
    f.write(' '.join(sys.argv) + '\\n')
"""
CHECK_HIDDEN = """\
import importlib, importlib.util, sys
import sitecustomize
assert sitecustomize.__file__ == sys.argv[1], sitecustomize.__file__
for name in ('mmdet', 'mmseg', 'mmpose', 'mmcv.ops'):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit(name + ' was imported')
assert [importlib.util.find_spec(name) for name in ('mmdet', 'mmseg', 'mmpose')] == [None] * 3
import mmcv, mmengine, timm, mmhsnet.apis, mmhsnet.models
assert not [name for name in sys.modules if name.split('.')[0] in ('mmdet', 'mmseg', 'mmpose')]
"""
TIMM_BASELINES = ['ResNet-50', 'ResNet-50-D', 'Res2Net-50', 'ResNeSt-50 (timm)',
                  'HRNet-W18-small-v2 (timm)']


def test_benchmark_gpu_script_dry_run_on_the_cpu(tmp_path):
    """The prepared GPU run (docs/benchmarks.md), overridden to run on the CPU in seconds (bf16
    models cast, as the GPU run's fp16), where the GPU machine's environment is: without mmdet,
    mmseg, mmpose and mmcv's compiled ops, so with timm's baselines."""
    hide, out, log = tmp_path / 'hide', tmp_path / 'out', tmp_path / 'python_processes.txt'
    hide.mkdir()
    (hide / 'sitecustomize.py').write_text(HIDE_TOOLKITS)
    env = dict(os.environ, PYTHON=sys.executable, MMHSNET_TEST_HIDDEN_LOG=str(log),
               PYTHONPATH=os.pathsep.join(filter(None, [str(hide), os.environ.get('PYTHONPATH')])))
    run_tool('-c', CHECK_HIDDEN, hide / 'sitecustomize.py', env=env)
    run_tool(TOOLS / 'benchmark_gpu.sh', out, '--device', 'cpu', '--dtype', 'bf16',
             '--shape', '32', '32', '--batch-sizes', '1', '--warmup', '0', '--repeats', '1',
             '--compile-backend', 'aot_eager', interpreter='bash', env=env, timeout=600)
    # every Python process of the script ran with the toolkits hidden: its version line and
    # the three tables
    processes = log.read_text().splitlines()
    assert len(processes) == 5 and processes[0] == '-c ' + str(hide / 'sitecustomize.py'), processes
    assert sum('benchmark.py' in p for p in processes) == 3, processes
    tables = {name: (out / f'{name}.md').read_text()
              for name in ('eager_fp16', 'eager_fp32', 'compiled_fp16')}
    rows = {name: table_rows(text) for name, text in tables.items()}
    hsr50, models = 'mmhsnet.HSResNet:depth=50', ['mmhsnet.ResNeSt:depth=50',
                                                 'mmhsnet.LiteHRNet:arch=18']
    # --deploy: one row per fused variant, beside the reference path; timm's baselines after
    assert list(rows['eager_fp16']) == [
        hsr50, f'{hsr50} (deploy)', f'{hsr50} (deploy: channel_multiple=8)',
        f'{hsr50} (deploy: channel_multiple=8,split_x=True)', *models, *TIMM_BASELINES]
    assert list(rows['eager_fp32']) == [hsr50, f'{hsr50} (deploy)', *models, *TIMM_BASELINES]
    assert list(rows['compiled_fp16']) == [hsr50, f'{hsr50} (deploy: channel_multiple=8)',
                                           'ResNet-50-D']
    for text in tables.values():
        assert_ratios_and_throughputs(text, batch_sizes=(1, ))
    # --compile: every model compiled, the baseline too, the compilation reported
    compiled = tables['compiled_fp16']
    assert 'bf16 (cast), channels_last; torch.compile reduce-overhead (aot_eager)' in compiled
    assert len(re.findall(r'compiled for batch 1 in [\d.]+ s', compiled)) == 3
    assert (out / 'eager_fp16.png').stat().st_size > 10000


def test_benchmark_casts_models_or_uses_autocast():
    """--dtype casts every model, a fused form's buffers too, and the input (as a deployment
    runs); --autocast keeps fp32 models under torch.autocast. The table says which."""
    common = ['mmhsnet.HSResNet:depth=50', '--baselines', 'reference', '--deploy', '--shape',
              '32', '32', '--batch-sizes', '1', '--warmup', '0', '--repeats', '1']
    out = run(TOOLS / 'benchmark.py', *common, '--dtype', 'bf16')
    assert 'torch 2.' in out and '; bf16 (cast); input 32x32' in out, out
    assert_ratios_and_throughputs(out, batch_sizes=(1, ))
    out = run(TOOLS / 'benchmark.py', *common, '--dtype', 'bf16', '--autocast')
    assert '; bf16 (autocast); input 32x32' in out, out
    result = run_tool(TOOLS / 'benchmark.py', *common, '--autocast', ok=False)
    assert result.returncode == 2
    assert 'error: --autocast needs --dtype fp16 or bf16' in result.stderr
