"""Search spaces: laws of the kinds (Kolmogorov–Smirnov), conditional sampling, files, errors."""

import json
import math

import numpy as np
import pytest
from scipy import stats

from jaxscape import search
from jaxscape.search import Space, choice

SEEDS_SPACE = search.seeds_space().spec


def test_log_uniform_passes_ks_against_its_law():
    x = search.log_uniform(1e-4, 1.0).sample(np.random.default_rng(1), 4000)
    # log10 x ~ U(-4, 0)
    assert stats.kstest(np.log10(x), stats.uniform(loc=-4, scale=4).cdf).pvalue > 0.01
    # and it is not uniform on [1e-4, 1]
    assert stats.kstest(x, stats.uniform(loc=1e-4, scale=1 - 1e-4).cdf).pvalue < 1e-6


def test_reverse_log_uniform_passes_ks_against_its_law():
    x = search.reverse_log_uniform(0.9, 0.999).sample(np.random.default_rng(2), 4000)
    assert np.all((x >= 0.9) & (x <= 0.999))
    # log10(1 - x) ~ U(-3, -1)
    assert stats.kstest(np.log10(1 - x), stats.uniform(loc=-3, scale=2).cdf).pvalue > 0.01
    assert stats.kstest(np.log10(x), stats.uniform(loc=-3, scale=2).cdf).pvalue < 1e-6


def test_uniform_and_int_uniform_laws():
    rng = np.random.default_rng(3)
    u = search.uniform(-2.0, 3.0).sample(rng, 3000)
    assert stats.kstest(u, stats.uniform(loc=-2, scale=5).cdf).pvalue > 0.01
    k = search.int_uniform(1, 4).sample(rng, 4000)
    counts = np.bincount(k, minlength=5)[1:]
    assert set(np.unique(k)) == {1, 2, 3, 4}
    assert stats.chisquare(counts).pvalue > 0.01


def test_conditional_samples_carry_exactly_their_active_parameters():
    space = Space(SEEDS_SPACE)
    configs = space.sample(400, seed=0)
    branches = SEEDS_SPACE["solver"].branches
    policies = SEEDS_SPACE["policy"].branches
    for c in configs:
        want = {"solver", "policy", *branches[c["solver"]], *policies[c["policy"]]}
        assert set(c) == want
    # every branch is taken, and grouping partitions the configurations by structure
    groups = space.group(configs)
    assert sum(len(v) for v in groups.values()) == 400
    assert len(groups) == 16
    for structure, idx in groups.items():
        for i in idx:
            assert (("solver", configs[i]["solver"]), ("policy", configs[i]["policy"])) == structure
        assert set(space.active(structure)) == set(configs[idx[0]]) - {"solver", "policy"}


def test_sampling_is_seeded_and_values_lie_inside_their_bounds():
    space = Space(SEEDS_SPACE)
    a, b = space.sample(50, seed=7), space.sample(50, seed=7)
    assert a == b
    assert a != space.sample(50, seed=8)
    for c in a:
        if c["solver"] == "sgd":
            assert 1e-3 <= c["learning_rate"] <= 1.0 and 0.5 <= c["momentum"] <= 0.99
        if c["policy"] == "step":
            assert isinstance(c["step_size"], int) and 10 <= c["step_size"] <= 100


def test_space_from_toml_and_json_files(tmp_path):
    toml = tmp_path / "space.toml"
    toml.write_text(
        "momentum = 0.9\n"
        "[learning_rate]\nlog_uniform = [1e-4, 1.0]\n"
        '[optimizer.choice.sgd]\nnesterov = "yes"\n'
        "[optimizer.choice.adam.b1]\nreverse_log_uniform = [0.8, 0.99]\n"
    )
    space = Space.load(toml)
    assert space.spec["momentum"] == search.fixed(0.9)
    assert space.spec["learning_rate"] == search.log_uniform(1e-4, 1.0)
    assert space.spec["optimizer"].branches["adam"]["b1"] == search.reverse_log_uniform(0.8, 0.99)
    js = tmp_path / "space.json"
    js.write_text(json.dumps({"lr": {"uniform": [0, 1]}, "width": {"categorical": [1, 2]}}))
    assert Space.load(js).spec == {"lr": search.uniform(0, 1), "width": search.categorical([1, 2])}


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: search.uniform(1.0, 1.0), "lo < hi"),
        (lambda: search.log_uniform(0.0, 1.0), "reaches 0"),
        (lambda: search.log_uniform(-1.0, 1.0), "reaches 0"),
        (lambda: search.reverse_log_uniform(0.5, 1.0), "hi < 1"),
        (lambda: search.int_uniform(3, 2), "lo < hi"),
        (lambda: search.categorical([1]), "two distinct"),
        (lambda: search.uniform(0, math.inf), "finite"),
        (lambda: choice({"a": {}}), "two branches"),
        (lambda: Space({}), "at least one"),
        (
            lambda: Space({"lr": search.uniform(0, 1), "opt": choice({"a": {"lr": 0.1}, "b": {}})}),
            "'lr'",
        ),
        (lambda: Space.from_dict({"lr": {"log_uniform": [0, 1]}}), "lr: log_uniform"),
        (lambda: Space.from_dict({"lr": {"loguniform": [1e-3, 1]}}), "unknown kind"),
    ],
)
def test_bad_spaces_raise_value_error_naming_the_parameter(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_kinds_raise_type_error():
    with pytest.raises(TypeError, match="'lr'"):
        Space({"lr": [0.1, 0.2]})
    with pytest.raises(TypeError, match="int_uniform lo"):
        search.int_uniform(0.5, 3)


def test_missing_space_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        Space.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("lr = [")
    with pytest.raises(ValueError, match=r"bad\.toml"):
        Space.load(bad)
