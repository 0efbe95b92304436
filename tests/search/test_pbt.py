"""Population based training: exploit, explore, lineage, seeding, replay, files."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxscape as js
from jaxscape import search
from jaxscape.search import pbt


def _quadratic():
    return js.Problem.from_loss(lambda p: 0.5 * jnp.sum(p**2), jnp.ones(2))


QKW = {"metric": "train_loss", "eval_every": 1}


def _pbt(
    prob,
    optimizer,
    space,
    *,
    population,
    steps,
    interval,
    metric=None,
    eval_every=None,
    seed=0,
    batch_size=128,
    burn_in=0,
    quantile=0.25,
    resample_probability=0.25,
    perturb=(0.8, 1.2),
    on_exploit=None,
    **kw,
):
    """The old keyword call, written with Training / Exploit / Explore / Judging."""
    training = js.Training(
        steps=steps, batch_size=batch_size, seeds=(seed,), eval_every=eval_every, progress=False
    )
    return pbt(
        prob,
        optimizer,
        space,
        training,
        population=population,
        exploit=search.Exploit(interval=interval, burn_in=burn_in, quantile=quantile),
        explore=search.Explore(resample_probability=resample_probability, perturb=perturb),
        judging=js.Judging(metric=metric),
        on_exploit=on_exploit,
        **kw,
    )


def _leaves(state, i):
    return [np.asarray(leaf)[i] for leaf in jax.tree.leaves(state.trials)]


def test_exploit_copies_the_parents_state_and_perturbs_its_values(small_mlp_problem):
    space = {"learning_rate": search.log_uniform(0.01, 1.0), "momentum": search.uniform(0.5, 0.95)}
    events = []
    res = _pbt(
        small_mlp_problem,
        js.optim.sgd,
        space,
        population=8,
        steps=30,
        interval=10,
        metric="val_loss",
        resample_probability=0.0,
        batch_size=32,
        eval_every=5,
        seed=1,
        on_exploit=events.append,
    )
    assert res.boundaries.tolist() == [0, 10, 20, 30] and len(events) == 2
    for k, ev in enumerate(events, start=1):
        at = int(np.flatnonzero(res.steps == ev["step"])[0])
        loss = res.metrics["val_loss"][:, at]  # the metric at the end of the interval
        rank = np.argsort(loss, kind="stable")  # best (lowest) first
        top, bottom = set(rank[:2].tolist()), set(rank[-2:].tolist())  # ceil(8 * 0.25) = 2
        parents = ev["parents"]
        np.testing.assert_array_equal(res.parents[k], parents)
        for i in range(8):
            p = int(parents[i])
            for a, b in zip(_leaves(ev["after"], i), _leaves(ev["before"], p), strict=True):
                np.testing.assert_array_equal(a, b)  # params, optimizer state, flags: bitwise
            if i not in bottom:
                assert p == i
                for name in space:
                    assert res.hyperparams[name][k, i] == res.hyperparams[name][k - 1, i]
                continue
            assert p in top
            for name, kind in space.items():
                old, new = res.hyperparams[name][k - 1, p], res.hyperparams[name][k, i]
                allowed = np.clip([old * 0.8, old * 1.2], kind.lo, kind.hi)
                assert np.isclose(new, allowed, rtol=1e-12).any(), (name, old, new)
        assert {i for i in range(8) if parents[i] != i} == bottom


def test_resampled_and_categorical_values_stay_in_the_space():
    space = {
        "learning_rate": search.log_uniform(0.01, 0.9),
        "momentum": search.categorical([0.0, 0.3, 0.6, 0.9]),
    }
    opts = [0.0, 0.3, 0.6, 0.9]
    res = _pbt(
        _quadratic(),
        js.optim.sgd,
        space,
        population=8,
        steps=12,
        interval=3,
        resample_probability=1.0,
        **QKW,
    )
    lr = res.hyperparams["learning_rate"]
    assert np.all((lr >= 0.01) & (lr <= 0.9)) and np.isin(res.hyperparams["momentum"], opts).all()
    res = _pbt(
        _quadratic(),
        js.optim.sgd,
        space,
        population=8,
        steps=12,
        interval=3,
        resample_probability=0.0,
        **QKW,
    )
    mom = res.hyperparams["momentum"]
    for k in range(1, res.n_intervals):
        for i in np.flatnonzero(res.parents[k] != np.arange(8)):
            j_old = opts.index(mom[k - 1, res.parents[k, i]])
            j_new = opts.index(mom[k, i])
            assert j_new in {max(j_old - 1, 0), min(j_old + 1, 3)}


def test_the_same_seed_gives_the_same_lineage():
    kw = {"population": 8, "steps": 20, "interval": 4, **QKW}
    space = {"learning_rate": (0.001, 0.9)}
    a = _pbt(_quadratic(), js.optim.sgd, space, seed=3, **kw)
    b = _pbt(_quadratic(), js.optim.sgd, space, seed=3, **kw)
    c = _pbt(_quadratic(), js.optim.sgd, space, seed=4, **kw)
    np.testing.assert_array_equal(a.parents, b.parents)
    np.testing.assert_array_equal(a.hyperparams["learning_rate"], b.hyperparams["learning_rate"])
    np.testing.assert_array_equal(a.metrics["train_loss"], b.metrics["train_loss"])
    assert not np.array_equal(a.hyperparams["learning_rate"], c.hyperparams["learning_rate"])
    assert a.info["space"]["learning_rate"].startswith("LogUniform")  # 0.9 / 0.001 >= 100


def test_an_interval_longer_than_the_run_is_a_plain_sweep(small_mlp_problem):
    kw = {"steps": 20, "batch_size": 32, "eval_every": 5}
    res = _pbt(
        small_mlp_problem,
        js.optim.sgd,
        {"learning_rate": (0.01, 1.0)},
        population=4,
        interval=50,
        **kw,
    )
    assert res.metric == "val_accuracy" and res.parents.tolist() == [[-1] * 4]
    ref = js.sweep(
        small_mlp_problem,
        js.optim.sgd,
        {"learning_rate": res.hyperparams["learning_rate"][0]},
        progress=False,
        **kw,
    )
    np.testing.assert_array_equal(res.steps, ref.steps)
    for name, curve in ref.metrics.items():
        np.testing.assert_array_equal(res.metrics[name], curve, err_msg=name)


def test_the_learned_schedule_is_what_the_best_member_trained_with():
    # f(p) = 0.5 |p|^2, full batch, p0 = (1, 1): after SGD at rates a_k for n_k steps,
    # p = prod_k (1 - a_k)^n_k, loss = p^2; the copied state must carry the lineage's product.
    # The training loss recorded at the last step is that of the parameters before its update.
    res = _pbt(
        _quadratic(),
        js.optim.sgd,
        {"learning_rate": (0.01, 0.6)},
        population=6,
        steps=15,
        interval=5,
        seed=2,
        **QKW,
    )
    lengths = np.diff(res.boundaries) - np.eye(3, dtype=int)[2]
    sched = res.schedule()["learning_rate"]
    for i in range(6):
        closed = np.prod((1 - sched[i]) ** lengths) ** 2
        np.testing.assert_allclose(res.final()[i], closed, rtol=1e-4)
    best = res.best()
    assert best["member"] == int(np.argmin(res.final()))
    replay = res.replay(_quadratic(), js.optim.sgd)
    closed = np.prod((1 - best["schedule"]["learning_rate"]) ** lengths) ** 2
    np.testing.assert_allclose(replay.replay_final, closed, rtol=1e-4)
    np.testing.assert_allclose(replay.pbt_final, res.final()[best["member"]])


def test_save_load_dataframe_and_plot(tmp_path):
    res = _pbt(
        _quadratic(),
        js.optim.sgd,
        {"learning_rate": (0.01, 0.6)},
        population=4,
        steps=8,
        interval=4,
        **QKW,
    )
    back = search.PBTResult.load(res.save(tmp_path / "run"))
    np.testing.assert_array_equal(back.parents, res.parents)
    np.testing.assert_array_equal(back.metrics["train_loss"], res.metrics["train_loss"])
    np.testing.assert_array_equal(
        back.hyperparams["learning_rate"], res.hyperparams["learning_rate"]
    )
    assert back.info == res.info and back.best()["member"] == res.best()["member"]
    df = res.to_dataframe()
    assert len(df) == 4 * res.n_intervals and {"parent", "learning_rate"} <= set(df.columns)
    assert "member" in res.summary()
    res.plot(tmp_path / "pbt.png")
    assert (tmp_path / "pbt.png").stat().st_size > 10_000


def test_bad_arguments_are_refused_before_training():
    prob = _quadratic()
    ok = {"population": 4, "steps": 8, "interval": 4}
    space = {"learning_rate": (0.01, 0.5)}
    with pytest.raises(ValueError, match="quantile"):
        _pbt(prob, js.optim.sgd, space, quantile=0.7, **ok)
    with pytest.raises(ValueError, match="perturb"):
        _pbt(prob, js.optim.sgd, space, perturb=(), **ok)
    with pytest.raises(ValueError, match="metric"):
        _pbt(prob, js.optim.sgd, space, metric="loss", **ok)
    with pytest.raises(ValueError, match="choice"):
        _pbt(prob, js.optim.sgd, search.Space({"o": search.choice({"a": {}, "b": {}})}), **ok)
    with pytest.raises(ValueError, match="no parameter to search"):
        _pbt(prob, js.optim.sgd, {"learning_rate": 0.1}, **ok)
    with pytest.raises(TypeError, match="space must be"):
        _pbt(prob, js.optim.sgd, [0.1], **ok)
    with pytest.raises(ValueError, match="'start'"):
        _pbt(prob, js.optim.sgd, space, start=None, **ok)
    with pytest.raises(ValueError, match="interval"):
        _pbt(prob, js.optim.sgd, space, population=4, steps=8, interval=0)
    with pytest.raises(ValueError, match=r"quantile must be in \(0, 0.5\], got 0"):
        _pbt(prob, js.optim.sgd, space, quantile=0, **ok)
    with pytest.raises(ValueError, match="population must be >= 2"):
        _pbt(prob, js.optim.sgd, space, population=1, steps=8, interval=4)
    with pytest.raises(TypeError, match="steps must be an int"):
        _pbt(prob, js.optim.sgd, space, population=4, steps=2.5, interval=4)


def test_plain_ranges_are_log_uniform_from_two_decades_on():
    from jaxscape.search.pbt.space import resolve_space

    kinds, fixed = resolve_space({"a": (0.1, 0.9), "b": (1e-3, 0.1), "c": (-1.0, 1.0), "d": 0.5})
    assert type(kinds["a"]) is search.params.Uniform and kinds["a"] == search.uniform(0.1, 0.9)
    assert kinds["b"] == search.log_uniform(1e-3, 0.1)  # hi / lo = 100
    assert type(kinds["c"]) is search.params.Uniform and fixed == {"d": 0.5}


def test_cli_search_strategy_pbt_writes_its_result(tmp_path, capsys):
    from jaxscape.cli import main

    space = tmp_path / "space.toml"
    space.write_text(
        "[learning_rate]\nlog_uniform = [1e-2, 1.0]\n[momentum]\nuniform = [0.5, 0.9]\n"
    )
    out = tmp_path / "out"
    argv = ["search", "--space", str(space), "--strategy", "pbt", "--budget", "4", "--steps", "8"]
    argv += ["--interval", "4", "--hidden", "8", "--batch-size", "32", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    back = search.PBTResult.load(out / "result")
    assert back.parents.shape == (2, 4) and back.boundaries.tolist() == [0, 4, 8]
    assert (out / "pbt.png").stat().st_size > 10_000
    assert "best member" in capsys.readouterr().out


# ---------------------------------------------------------------- Ray Tune's synchronous PBT
def test_burn_in_shifts_the_exploit_grid_as_ray_does():
    # Ray (synch): next_sync = max(interval, burn_in), then + interval: 5, 8, 11
    assert search.pbt.__module__ == "jaxscape.search.pbt.run"
    from jaxscape.search.pbt import boundaries

    assert boundaries(12, 3, burn_in=5).tolist() == [0, 5, 8, 11, 12]
    assert boundaries(12, 3).tolist() == [0, 3, 6, 9, 12]
    res = _pbt(
        _quadratic(),
        js.optim.sgd,
        {"learning_rate": (0.01, 0.5)},
        population=4,
        steps=12,
        interval=3,
        burn_in=5,
        **QKW,
    )
    assert res.boundaries.tolist() == [0, 5, 8, 11, 12]


def test_ties_rank_as_in_ray_the_lower_index_lower():
    from jaxscape.search.pbt.exploit import exploit_explore

    rng = np.random.default_rng(0)
    kw = {"quantile": 0.5, "perturb": (0.8, 1.2), "resample_probability": 0.0}
    parents, _ = exploit_explore(rng, np.zeros(4), {}, {}, **kw)
    # sorted ascending, stably: bottom = members 0, 1; top = members 2, 3
    assert set(np.flatnonzero(parents != np.arange(4)).tolist()) == {0, 1}
    assert set(parents[:2].tolist()) <= {2, 3}


def test_integer_values_move_by_at_least_one_and_stay_in_bounds():
    from jaxscape.search.pbt.space import explore

    kinds = {"k": search.int_uniform(1, 8)}

    def moved(value, factor):
        return explore(np.random.default_rng(0), kinds, {"k": value}, (factor,), 0.0)["k"]

    assert moved(1, 1.2) == 2 and moved(2, 1.2) == 3  # int(1 * 1.2) == 1 in Ray
    assert moved(2, 0.8) == 1 and moved(1, 0.8) == 1  # clipped at the lower bound
    assert moved(5, 1.2) == 6 and moved(8, 1.2) == 8 and moved(5, 0.8) == 4
    lr = {"learning_rate": search.log_uniform(0.01, 0.5)}
    assert explore(np.random.default_rng(0), lr, {"learning_rate": 0.5}, (1.2,), 0.0) == {
        "learning_rate": 0.5
    }  # clipped into the space (Ray would give 0.6)


def test_explored_rate_reaches_a_hypergradient_optimizer():
    # sgd_hd learns its rate in its state; a clone must train with its explored rate
    events = []
    res = _pbt(
        _quadratic(),
        js.optim.sgd_hd,
        {"learning_rate": (0.01, 0.5), "hypergrad_lr": 0.01},
        population=4,
        steps=10,
        interval=5,
        resample_probability=0.0,
        on_exploit=events.append,
        **QKW,
    )
    (ev,) = events
    cloned = np.flatnonzero(ev["parents"] != np.arange(4))
    assert cloned.size == 1
    i = int(cloned[0])
    learned = np.asarray(ev["after"].trials.opt_state.learning_rate)
    np.testing.assert_allclose(learned[i], res.hyperparams["learning_rate"][1, i], rtol=1e-6)
    parent = int(ev["parents"][i])
    assert learned[i] != np.asarray(ev["before"].trials.opt_state.learning_rate)[parent]
    # the replay writes the explored rate at the same step, so it reproduces the member
    rep = js.search.replay_schedule(_quadratic(), js.optim.sgd_hd, res, member=i)
    np.testing.assert_allclose(rep.replay_final, rep.pbt_final, rtol=1e-4)
