"""lossedu.backbones: torchvision's layouts, DISTS's L2 pooling, and where LPIPS and DISTS
find their weights (a path, a state dict, torch.hub's cache, a download, or a clear error)."""

import urllib.error

import numpy as np
import pytest
import torch

from lossedu import DISTS, LPIPS, backbones

# torchvision's feature extractors, as its ImageNet files hold them: (index, weight shape) of
# every convolution, and the parameter count of ``features``.
TORCHVISION_CONVS = {
    "alex": ({0: (64, 3, 11, 11), 3: (192, 64, 5, 5), 6: (384, 192, 3, 3),
              8: (256, 384, 3, 3), 10: (256, 256, 3, 3)}, 2_469_696),
    "vgg": ({0: (64, 3, 3, 3), 2: (64, 64, 3, 3), 5: (128, 64, 3, 3), 7: (128, 128, 3, 3),
             10: (256, 128, 3, 3), 12: (256, 256, 3, 3), 14: (256, 256, 3, 3),
             17: (512, 256, 3, 3), 19: (512, 512, 3, 3), 21: (512, 512, 3, 3),
             24: (512, 512, 3, 3), 26: (512, 512, 3, 3), 28: (512, 512, 3, 3)}, 14_714_688),
    # squeezenet1_1 has 1,235,496 parameters, 513,000 of them in its classifier
    "squeeze": ({0: (64, 3, 3, 3), "3.squeeze": (16, 64, 1, 1), "3.expand3x3": (64, 16, 3, 3),
                 "6.squeeze": (32, 128, 1, 1), "9.expand1x1": (192, 48, 1, 1),
                 "12.squeeze": (64, 512, 1, 1), "12.expand3x3": (256, 64, 3, 3)}, 722_496),
}


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_backbones_have_torchvisions_layout(net):
    convs, count = TORCHVISION_CONVS[net]
    features = backbones.BACKBONES[net].build()
    state = {f"features.{k}": v for k, v in features.state_dict().items()}
    for index, shape in convs.items():
        assert state[f"features.{index}.weight"].shape == shape
        assert state[f"features.{index}.bias"].shape == shape[:1]
    assert sum(p.numel() for p in features.parameters()) == count


# The activations lpips reads, for a 224 x 224 image (vgg: 64 x 64, to stay quick).
TAP_SHAPES = {
    "alex": (224, [(64, 55), (192, 27), (384, 13), (256, 13), (256, 13)]),
    "vgg": (64, [(64, 64), (128, 32), (256, 16), (512, 8), (512, 4)]),
    "squeeze": (224, [(64, 111), (128, 55), (256, 27), (384, 13), (384, 13), (512, 13),
                      (512, 13)]),
}


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_backbone_taps(net):
    spec = backbones.BACKBONES[net]
    size, expected = TAP_SHAPES[net]
    net_ = backbones.Backbone(spec.build(), spec.taps, spec.weights.what)
    with torch.no_grad():
        outputs = net_(torch.rand(1, 3, size, size))
    assert [(o.shape[1], o.shape[2]) for o in outputs] == expected
    assert tuple(c for c, _ in expected) == spec.channels
    assert all((o >= 0).all() for o in outputs)  # every tap is after a ReLU


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_min_size_is_the_smallest_image_the_network_takes(net):
    spec = backbones.BACKBONES[net]
    features = spec.build()
    with torch.no_grad():
        for size in range(spec.min_size, spec.min_size + 12):
            features(torch.zeros(1, 3, size, size))
        with pytest.raises(RuntimeError):
            features(torch.zeros(1, 3, spec.min_size - 1, spec.min_size - 1))


def test_l2_pooling_by_hand():
    """The 3x3 window is [1/2, 1, 1/2] outer itself over 4: 1/4 at the centre, 1/8 at the
    sides, 1/16 at the corners. On a constant 2 it gives sqrt(4 w) for the window's weight w
    inside the image: 2 inside, sqrt(4 * 9/16) = 1.5 at the top-left corner (zero padding),
    sqrt(4 * 12/16) on the first row."""
    pool = backbones.L2Pooling(2).double()
    out = pool(torch.full((1, 2, 6, 6), 2.0, dtype=torch.float64))
    assert out.shape == (1, 2, 3, 3)
    torch.testing.assert_close(out[0, :, 0, 0], torch.full((2,), 1.5, dtype=torch.float64))
    torch.testing.assert_close(out[0, :, 0, 1], torch.full((2,), 3**0.5, dtype=torch.float64))
    torch.testing.assert_close(out[0, :, 1, 1], torch.full((2,), 2.0, dtype=torch.float64))
    assert pool.state_dict() == {}  # torchvision's VGG has nothing at the pooling indices


def test_l2_pooling_window_is_dists_hanning():
    a = np.hanning(5)[1:-1]
    g = a[:, None] * a[None, :]
    np.testing.assert_allclose(backbones.L2Pooling(3).filter[2, 0].numpy(), g / g.sum())


def test_dists_backbone_has_vggs_keys():
    model = DISTS(pretrained=False)
    lpips_vgg = LPIPS("vgg", pretrained=False)
    assert model.net.state_dict().keys() == lpips_vgg.net.state_dict().keys()


# ----------------------------------------------------------------------------------------------
# Where the weights come from


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    """An empty TORCH_HOME, and a torch.hub that fails as it does offline."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    calls = []

    def offline(url, **kwargs):
        calls.append((url, kwargs))
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    return tmp_path / "hub" / "checkpoints", calls


def torchvision_file(backbone: backbones.Backbone) -> dict:
    """A backbone's weights as torchvision saves the whole network: classifier included."""
    state = {f"features.{k}": v.clone() for k, v in backbone.features.state_dict().items()}
    state["classifier.1.weight"] = torch.zeros(10, 4)
    return state


def lpips_file(model: LPIPS) -> dict:
    """The linear layers as the lpips package's weight files store them."""
    return {k: v.clone() for k, v in model.state_dict().items() if k.startswith("lin")}


def random_lpips(net, seed):
    """An LPIPS with a random backbone and random linear weights."""
    _ = torch.manual_seed(seed)
    model = LPIPS(net, pretrained=False, reduction="none")
    for k in range(len(backbones.BACKBONES[net].channels)):
        torch.nn.init.uniform_(getattr(model, f"lin{k}").model[1].weight)
    return model


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_lpips_round_trip_through_torch_hubs_cache(net, torch_home):
    cache, calls = torch_home
    saved = random_lpips(net, seed=1)
    torch.save(torchvision_file(saved.net), cache / backbones.BACKBONES[net].weights.file_name)
    torch.save(lpips_file(saved), cache / f"lpips_v0.1_{net}.pth")
    loaded = LPIPS(net, reduction="none")  # pretrained=True: found in the cache
    assert calls == []
    for key, value in saved.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value, rtol=0, atol=0)
    x = torch.rand(2, 3, 40, 40) * 2 - 1
    y = torch.rand(2, 3, 40, 40) * 2 - 1
    torch.testing.assert_close(loaded(x, y), saved(x, y), rtol=0, atol=0)


def test_lpips_round_trip_through_paths_and_state_dicts(tmp_path, torch_home):
    _, calls = torch_home
    saved = random_lpips("alex", seed=2)
    torch.save(torchvision_file(saved.net), tmp_path / "backbone.pth")
    torch.save(lpips_file(saved), tmp_path / "lin.pth")
    from_paths = LPIPS("alex", weights=tmp_path / "lin.pth",
                       backbone_weights=str(tmp_path / "backbone.pth"), reduction="none")
    from_dicts = LPIPS("alex", weights=lpips_file(saved),
                       backbone_weights=torchvision_file(saved.net), reduction="none")
    assert calls == []
    x = torch.rand(1, 3, 31, 31) * 2 - 1
    for model in (from_paths, from_dicts):
        torch.testing.assert_close(model(x, -x), saved(x, -x), rtol=0, atol=0)


def test_dists_round_trip(torch_home):
    cache, calls = torch_home
    _ = torch.manual_seed(3)
    saved = DISTS(pretrained=False, reduction="none")
    torch.save(torchvision_file(saved.net), cache / "vgg16-397923af.pth")
    torch.save({"alpha": saved.alpha.detach().clone(), "beta": saved.beta.detach().clone()},
               cache / "DISTS_pytorch_weights.pt")
    _ = torch.manual_seed(4)  # another random start, overwritten by the files
    loaded = DISTS(reduction="none")
    assert calls == []
    torch.testing.assert_close(loaded.alpha, saved.alpha, rtol=0, atol=0)
    x, y = torch.rand(2, 3, 20, 20), torch.rand(2, 3, 20, 20)
    torch.testing.assert_close(loaded(x, y), saved(x, y), rtol=0, atol=0)


def test_pretrained_false_touches_no_file_and_no_network(torch_home):
    _, calls = torch_home
    LPIPS("alex", pretrained=False)
    DISTS(pretrained=False)
    assert calls == []


def test_offline_without_the_file_says_what_to_put_where(torch_home):
    cache, calls = torch_home
    expected = cache / "alexnet-owt-7be5be79.pth"
    with pytest.raises(FileNotFoundError) as error:
        LPIPS("alex")
    message = str(error.value)
    assert "torchvision's AlexNet ImageNet weights" in message
    assert f"no file {expected}" in message
    assert "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth" in message
    assert f"copy that file to {expected}" in message and "TORCH_HOME" in message
    assert "URLError" in message and "pretrained=False" in message
    assert calls[0][0] == "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"


def test_offline_with_the_backbone_names_the_linear_layers(torch_home):
    cache, _ = torch_home
    torch.save(torchvision_file(random_lpips("squeeze", 0).net),
               cache / "squeezenet1_1-b8a52dc0.pth")
    with pytest.raises(FileNotFoundError, match=r"the lpips package's v0.1 squeeze weights: "
                                                r"no file .*lpips_v0.1_squeeze.pth"):
        LPIPS("squeeze")
    torch.save(torchvision_file(DISTS(pretrained=False).net), cache / "vgg16-397923af.pth")
    with pytest.raises(FileNotFoundError, match=r"DISTS_pytorch's alpha and beta: no file "
                                                r".*DISTS_pytorch_weights.pt"):
        DISTS()


def test_online_the_file_is_downloaded_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    saved = random_lpips("alex", seed=5)
    files = {"alexnet-owt-7be5be79.pth": torchvision_file(saved.net),
             "lpips_v0.1_alex.pth": lpips_file(saved)}
    calls = []

    def download(url, map_location=None, check_hash=False, file_name=None, weights_only=False):
        calls.append((url, file_name, check_hash, map_location, weights_only))
        return files[file_name]

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", download)
    loaded = LPIPS("alex", reduction="none")
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    torch.testing.assert_close(loaded(x, x.flip(-1)), saved(x, x.flip(-1)), rtol=0, atol=0)
    lpips_url = ("https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/"
                 "v0.1/alex.pth")
    assert calls == [
        ("https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
         "alexnet-owt-7be5be79.pth", True, "cpu", True),
        (lpips_url, "lpips_v0.1_alex.pth", False, "cpu", True),
    ]


def test_find_weights_prefers_an_installed_packages_file(tmp_path, torch_home):
    cache, _ = torch_home
    torch.save({"alpha": torch.ones(1)}, tmp_path / "weights.pt")
    torch.save({"alpha": torch.zeros(1)}, cache / "DISTS_pytorch_weights.pt")
    file, _ = backbones.dists_weights()
    found = backbones.find_weights(file, (None, str(tmp_path / "weights.pt")))
    assert found["alpha"].item() == 1.0
    assert backbones.find_weights(file)["alpha"].item() == 0.0


def test_load_state_dict_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No file '.*missing.pth' for the weights"):
        backbones.load_state_dict(tmp_path / "missing.pth", "the weights")
    with pytest.raises(TypeError, match=r"the weights as a path or a state dict, got int"):
        backbones.load_state_dict(3, "the weights")
    torch.save(torch.zeros(3), tmp_path / "tensor.pth")
    with pytest.raises(TypeError, match=r"to be a state dict, got Tensor"):
        backbones.load_state_dict(tmp_path / "tensor.pth", "the weights")


def test_a_wrong_backbone_state_dict_is_a_clear_error():
    vgg = torchvision_file(DISTS(pretrained=False).net)
    with pytest.raises(ValueError, match=r"Expected torchvision's AlexNet ImageNet weights, a "
                                         r"state dict with keys 'features.<index>.weight'"):
        LPIPS("alex", pretrained=False, backbone_weights=vgg)


def test_linear_weights_in_another_format_are_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"Expected the lpips package's v0.1 alex weights, a "
                                         r"state dict with keys lin0.model.1.weight, .*"
                                         r"lin4.model.1.weight: none of them in its keys "
                                         r"lins.0.weight, lins.1.weight"):
        LPIPS("alex", pretrained=False, weights={f"lins.{k}.weight": 0 for k in range(5)})
    wrong = lpips_file(random_lpips("alex", 0))
    wrong["lin2.model.1.weight"] = torch.zeros(1, 3, 1, 1)
    with pytest.raises(ValueError, match=r"lin2.model.1.weight \(1, 3, 1, 1\) instead of "
                                         r"\(1, 384, 1, 1\)"):
        LPIPS("alex", pretrained=False, weights=wrong)
    with pytest.raises(ValueError, match=r"DISTS_pytorch's alpha and beta, a state dict with "
                                         r"keys alpha, beta: no beta in its keys alpha"):
        DISTS(pretrained=False, weights={"alpha": torch.zeros(1, 1475, 1, 1)})
    with pytest.raises(ValueError, match=r"beta \(1475,\) instead of \(1, 1475, 1, 1\)"):
        DISTS(pretrained=False, weights={"alpha": torch.zeros(1, 1475, 1, 1),
                                         "beta": torch.zeros(1475)})
    with pytest.raises(FileNotFoundError, match=r"No file '.*nowhere.pth' for torchvision's "
                                                r"VGG16 ImageNet weights"):
        DISTS(pretrained=False, backbone_weights=tmp_path / "nowhere.pth")
