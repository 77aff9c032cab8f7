"""The lint the pre-commit hook runs (ruff.toml, .isort.cfg), run on the whole repository."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize('command', [['ruff', 'check', '.'],
                                     ['isort', '--check-only', '--diff', '.']])
def test_lint_is_clean(command):
    tool = Path(sys.executable).parent / command[0]
    result = subprocess.run([str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
