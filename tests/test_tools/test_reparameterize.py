"""The fused HS-ResNet, buildable from a config: tools/model_converters/reparameterize_model.py
writes the fused checkpoint of a trained model, which loads strictly into the same config with
``model.backbone.deploy=True`` and gives the same outputs."""
import pytest
import torch
from conftest import HEADLINE_CONFIG, ROOT, run_tool
from mmengine.config import Config
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope

from mmhsnet.models import HSResNet
from mmhsnet.testing import randomize_norms

TOOL = ROOT / 'tools' / 'model_converters' / 'reparameterize_model.py'
# measured 3.4e-7 (HS-ResNet-50, 64x64); a few times that
TOLERANCE = 2e-6


def relative_error(outs, refs):
    return max(((o - r).abs().max() / r.abs().max()).item() for o, r in zip(outs, refs))


def build_detector(**backbone):
    cfg = Config.fromfile(HEADLINE_CONFIG)
    cfg.model.backbone.init_cfg = None
    cfg.model.backbone.update(backbone)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return ROOT_MODELS.build(cfg.model)


def test_detector_config_with_deploy(tmp_path):
    torch.manual_seed(0)
    trained = build_detector()
    randomize_norms(trained.backbone)  # as after training: running statistics not 0 / 1
    src, dst = tmp_path / 'epoch_12.pth', tmp_path / 'epoch_12_deploy.pth'
    torch.save({'state_dict': trained.state_dict(), 'meta': {}}, src)
    out = run_tool(TOOL, HEADLINE_CONFIG, src, dst).stdout
    assert 'they load into the model built with model.backbone.deploy=True' in out

    fused = build_detector(deploy=True)
    assert all(not hasattr(m, 'convs') for m in fused.backbone.modules()
               if type(m).__name__ == 'HierarchicalSplit')
    fused.load_state_dict(torch.load(dst, weights_only=True)['state_dict'], strict=True)
    x = torch.rand(2, 3, 64, 96)
    with torch.no_grad():
        refs, outs = trained.eval().extract_feat(x), fused.eval().extract_feat(x)
    assert relative_error(outs, refs) < TOLERANCE


@pytest.mark.parametrize('fuse_cfg', [dict(channel_multiple=8), dict(split_x=True)])
def test_backbone_with_fuse_options(tmp_path, fuse_cfg):
    torch.manual_seed(0)
    trained = randomize_norms(HSResNet(depth=50)).eval()
    src, dst = tmp_path / 'hsr50.pth', tmp_path / 'hsr50_deploy.pth'
    torch.save(trained.state_dict(), src)
    options = ','.join(f'{k}={v}' for k, v in fuse_cfg.items())
    out = run_tool(TOOL, 'mmhsnet.HSResNet:depth=50', src, dst, '--deploy', options).stdout
    assert f'deploy=True fuse_cfg.{options}' in out
    fused = HSResNet(depth=50, deploy=True, fuse_cfg=fuse_cfg).eval()
    fused.load_state_dict(torch.load(dst, weights_only=True)['state_dict'], strict=True)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert relative_error(fused(x), trained(x)) < TOLERANCE
    # another fused layout does not load
    with pytest.raises(RuntimeError, match='size mismatch'):
        HSResNet(depth=50, deploy=True).load_state_dict(fused.state_dict())


def test_bad_inputs(tmp_path):
    src = tmp_path / 'resnest.pth'
    torch.save({'state_dict': {}}, src)
    err = run_tool(TOOL, 'mmhsnet.ResNeSt:depth=50', src, tmp_path / 'out.pth', ok=False).stderr
    assert "error: checkpoint '" in err and 'does not load into mmhsnet.ResNeSt:depth=50' in err
    from mmhsnet.models import ResNeSt
    torch.save(ResNeSt(depth=50).state_dict(), src)
    err = run_tool(TOOL, 'mmhsnet.ResNeSt:depth=50', src, tmp_path / 'out.pth', ok=False).stderr
    assert 'error: mmhsnet.ResNeSt:depth=50: ResNeSt has no fused inference path' in err


def test_deploy_model_cannot_train():
    model = HSResNet(depth=50, deploy=True).train()
    with pytest.raises(RuntimeError, match=r'fused inference form .* cannot train'):
        model(torch.rand(1, 3, 32, 32))
