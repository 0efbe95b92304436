"""``jaxscape bench optimizers``' figure: one panel per algorithm, implementations side by side."""

from __future__ import annotations

from jaxscape.bench import UpdateThroughput
from jaxscape.bench.result import UpdateRow
from jaxscape.plot.bench import device_title, plot_update_throughput


def _row(name: str, variant: str, params: int, ms: float) -> UpdateRow:
    return UpdateRow(name, variant, params, 1, "float32", 16 * params, ms=ms,
                     params_per_s=params / (ms / 1e3), copy_gb_per_s=10.0)  # fmt: skip


def _result(device: str = "cpu: cpu") -> UpdateThroughput:
    names = [("adam", "flat"), ("optax.adam", "flat"), ("torch.adam", "fused")]
    names += [("sgd", "flat"), ("optax.sgd", "flat")]
    rows = [
        _row(name, variant, n, ms)
        for n, ms in ((1000, 0.01), (100_000, 0.5))
        for name, variant in names
    ]
    rows.append(UpdateRow("adam", "tree", 10**9, 1, "float32", 16 * 10**9, note="skipped"))
    return UpdateThroughput(tuple(rows), {"device": device, "host": "Test CPU"})


def test_one_panel_per_algorithm_with_every_implementation_on_its_axes():
    fig = plot_update_throughput(_result())
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["adam", "sgd"]
    expected = {"adam": ["jaxscape (flat)", "optax (flat)", "torch (fused)"],
                "sgd": ["jaxscape (flat)", "optax (flat)"]}  # fmt: skip
    for ax in axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels == [*expected[ax.get_title()], "bandwidth limit"]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == labels
        styles = {(ln.get_color(), ln.get_marker()) for ln in ax.get_lines()[:-1]}
        assert len(styles) == len(expected[ax.get_title()])  # implementations told apart
        assert ax.get_yscale() == "log"
    title = fig.get_suptitle()
    assert "cpu: cpu" not in title and title.count("cpu") == 1 and "Test CPU" in title


def test_device_title_names_the_device_once():
    assert device_title({"device": "cpu: cpu"}) == "cpu"
    assert device_title({"device": "cpu", "host": "AMD EPYC"}) == "cpu (AMD EPYC)"
    assert device_title({"device": "gpu: NVIDIA H100 80GB HBM3"}) == "gpu: NVIDIA H100 80GB HBM3"
    assert device_title({}) == ""
