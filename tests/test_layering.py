"""The package's layers (README "Layout"): ``mmhsnet.utils`` below ``mmhsnet.models``, the tools'
helpers (``mmhsnet.apis``) and ``mmhsnet.testing`` above; imports only go downwards."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / 'mmhsnet'

# what each layer must never import (package-relative module names)
FORBIDDEN = {
    'utils': ('mmhsnet.models', 'mmhsnet.apis', 'mmhsnet.testing', 'mmhsnet.engine'),
    'models': ('mmhsnet.apis', 'mmhsnet.testing', 'mmhsnet.engine'),
    'engine': ('mmhsnet.apis', 'mmhsnet.testing'),
}


def imported_modules(path):
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = '.'.join(path.relative_to(PACKAGE.parent).with_suffix('').parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit('.', node.level - 1)[0] if node.level else ''
            module = '.'.join(filter(None, (base, node.module)))
            yield module
            yield from (f'{module}.{alias.name}' for alias in node.names)


@pytest.mark.parametrize('layer', sorted(FORBIDDEN))
def test_imports_only_go_downwards(layer):
    files = sorted((PACKAGE / layer).rglob('*.py'))
    assert files
    wrong = [f'{path.relative_to(PACKAGE)} imports {name}' for path in files
             for name in imported_modules(path)
             if name.startswith(FORBIDDEN[layer])]
    assert not wrong, wrong


def test_the_checker_sees_relative_imports(tmp_path):
    """The check above would catch ``from ...apis import x`` in a model file."""
    path = PACKAGE / 'models' / 'backbones' / 'hsresnet.py'
    names = set(imported_modules(path))
    assert {'mmhsnet.registry.MODELS', 'mmhsnet.utils.cnn', 'mmhsnet.models.layers'} <= names


def test_importing_models_loads_no_tool_helpers():
    """``import mmhsnet.models`` (what configs' custom_imports do) loads exactly these of our
    modules: no option parsing, Runner building or launching (mmhsnet.apis), no test helpers,
    no toolkit."""
    code = ('import sys, json, mmhsnet.models; '
            'print(json.dumps(sorted(m for m in sys.modules '
            'if m.split(".")[0] in ("mmhsnet", "mmdet", "mmseg", "mmpose", "mmpretrain"))))')
    out = subprocess.run([sys.executable, '-c', code], check=True, capture_output=True,
                         text=True).stdout
    loaded = set(eval(out.strip().splitlines()[-1]))
    assert loaded == {
        'mmhsnet', 'mmhsnet.version', 'mmhsnet.registry',
        'mmhsnet.utils', 'mmhsnet.utils.checkpoint', 'mmhsnet.utils.cnn',
        'mmhsnet.utils.config', 'mmhsnet.utils.mim',
        'mmhsnet.models', 'mmhsnet.models.backbones', 'mmhsnet.models.backbones.base_backbone',
        'mmhsnet.models.backbones.hsresnet', 'mmhsnet.models.backbones.litehrnet',
        'mmhsnet.models.backbones.resnest', 'mmhsnet.models.backbones.resnet_d',
        'mmhsnet.models.layers', 'mmhsnet.models.layers.channel_weighting',
        'mmhsnet.models.layers.hierarchical_split', 'mmhsnet.models.layers.split_attention'
    }, sorted(loaded)
