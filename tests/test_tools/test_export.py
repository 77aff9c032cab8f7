"""tools/deployment/export.py: ONNX export checked with onnxruntime (1e-4) and torch.compile as
one graph, for the three backbones at their standard depths, run as a user runs it."""
import re

import pytest
from conftest import ROOT, run_tool

EXPORT = ROOT / 'tools' / 'deployment' / 'export.py'


@pytest.mark.parametrize('model,options', [('mmhsnet.HSResNet:depth=50', []),
                                           ('mmhsnet.HSResNet:depth=50', ['--deploy']),
                                           ('mmhsnet.ResNeSt:depth=50', []),
                                           ('mmhsnet.LiteHRNet:arch=18', [])])
def test_onnx_and_compile(model, options, tmp_path):
    onnx = tmp_path / 'model.onnx'
    # aot_eager: dynamo must capture the model without a graph break; inductor's code
    # generation takes minutes on 2 cores (docs/benchmarks.md) and is left to the tool's users
    out = run_tool(EXPORT, model, *options, '--shape', '128', '96', '--onnx', onnx, '--compile',
                   '--compile-backend', 'aot_eager', timeout=600).stdout
    assert onnx.is_file()
    errors = [float(e) for e in re.findall(r'max relative error (\S+)', out)]
    assert len(errors) == 3 and max(errors) < 1e-4, out  # 2 ONNX runs, 1 compiled run
    assert 'input (2, 3, 64, 128)' in out  # another batch size and input size
    assert out.rstrip().splitlines()[-1].startswith('OK: worst error')


def test_deploy_needs_a_fused_path(tmp_path):
    err = run_tool(EXPORT, 'mmhsnet.ResNeSt:depth=50', '--deploy', '--onnx', tmp_path / 'm.onnx',
                   ok=False, timeout=300).stderr
    assert ('error: --deploy: ResNeSt has no fused inference path (no submodule has '
            'switch_to_deploy); in mmhsnet, HS-ResNet has one') in err
