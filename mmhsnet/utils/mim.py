"""Let mmengine resolve ``mmhsnet::<folder>/<config>.py`` as it does ``mmdet::...``.

mmengine 0.10.7 knows the OpenMMLab packages by a fixed table (``MODULE2PACKAGE``) and finds a
package's configs under ``<site-packages>/<package>/.mim``, which is not where an editable
install (PEP 660) puts it. Importing :mod:`mmhsnet` registers the package and points the lookup
at the imported package's folder, whose ``.mim`` links (editable) or holds (regular install)
``configs/`` and ``tools/`` (see ``add_mim_extension`` in setup.py).
"""
import functools
import os.path as osp

import mmengine.config.config as mmengine_config
from mmengine.config.utils import MODULE2PACKAGE

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _find_mmhsnet(get_installed_path):

    @functools.wraps(get_installed_path)
    def wrapper(package):
        if package == 'mmhsnet':
            return PACKAGE_DIR
        return get_installed_path(package)

    wrapper._mmhsnet = True
    return wrapper


def register_mim_package():
    """Make ``_base_ = 'mmhsnet::...'`` work in any config loaded after ``import mmhsnet``.

    Idempotent.
    """
    MODULE2PACKAGE.setdefault('mmhsnet', 'mmhsnet')
    if not getattr(mmengine_config.get_installed_path, '_mmhsnet', False):
        mmengine_config.get_installed_path = _find_mmhsnet(mmengine_config.get_installed_path)
