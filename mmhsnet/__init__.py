"""mmhsnet: HS-ResNet, ResNeSt and Lite-HRNet backbones for OpenMMLab 2.x."""
import mmcv
import mmengine
from mmengine.utils import digit_version

from .utils.checkpoint import apply_mmengine_compat
from .utils.mim import register_mim_package
from .version import __version__, version_info

mmcv_minimum_version = '2.0.0rc4'
mmcv_maximum_version = '2.2.0'
mmengine_minimum_version = '0.7.1'
mmengine_maximum_version = '1.0.0'

_INSTALL_HINT = 'Run `bash tools/setup_env.sh` (see the README) to get a working environment.'
assert (digit_version(mmcv_minimum_version) <= digit_version(mmcv.__version__)
        < digit_version(mmcv_maximum_version)), (
    f'MMCV=={mmcv.__version__} is used but incompatible. Please install '
    f'mmcv>={mmcv_minimum_version}, <{mmcv_maximum_version} (mmdet 3.3 refuses '
    f'mmcv>=2.2; mmhsnet is tested with mmcv 2.1.0 built with ops). {_INSTALL_HINT}')
assert (digit_version(mmengine_minimum_version) <= digit_version(mmengine.__version__)
        < digit_version(mmengine_maximum_version)), (
    f'MMEngine=={mmengine.__version__} is used but incompatible. Please install '
    f'mmengine>={mmengine_minimum_version}, <{mmengine_maximum_version}. {_INSTALL_HINT}')

# mmengine 0.10.7 cannot resume its own checkpoints under torch >= 2.6; see utils/checkpoint.py.
apply_mmengine_compat()
# `_base_ = 'mmhsnet::...'` in other projects' configs; see utils/mim.py.
register_mim_package()

__all__ = ['__version__', 'version_info']
