"""``Problem``: what a population optimises and a landscape evaluates, as pure functions."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxscape import losses
from jaxscape._checks import check_callable, check_choice
from jaxscape.data.dataset import Dataset
from jaxscape.models.custom_loss import check_loss, custom_loss
from jaxscape.models.functional import Functional, functional
from jaxscape.models.pure import PureModel, check_init, key_stream
from jaxscape.models.spec import ModelSpec, resolve_factory

Params = Any
State = Any
Batch = tuple[jax.Array, jax.Array]


@dataclass(frozen=True, eq=False)
class Problem:
    """An objective over parameters, with optional data, as pure jittable functions.

    Build one with :meth:`from_loss` (any scalar loss) or :meth:`from_model` (a flax NNX model on
    a :class:`~jaxscape.data.Dataset`). Every layer above consumes these fields:

    Attributes:
      init: ``key -> (params, state)``; ``params`` are trained, ``state`` holds non-trained
        variables (batch statistics, dropout RNG streams), ``{}`` when there are none.
      objective: ``(params, state, batch) -> (loss, (new_state, metrics))`` in training mode;
        ``batch`` is ``(x, y)`` or ``None`` for a full-batch objective; ``metrics`` maps names
        (e.g. ``"accuracy"``) to batch means. Differentiate with ``has_aux=True``.
      evaluate: ``(params, state, batch) -> {"loss": ..., ...}`` batch means in evaluation mode
        (no dropout, running statistics).
      data: the dataset, or ``None`` for a full-batch objective without data.
      metric_names: names reported per split, ``("loss",)`` or ``("loss", "accuracy")``.
      loss_name: ``"cross_entropy"``, ``"mse"`` or ``"custom"``.
      num_classes: classes of a classification problem, else ``None``.
      name: short description used in reports.
      apply: for model problems, ``(params, state, x) -> outputs`` in evaluation mode.
      weighted_objective: ``(params, state, (x, y), w) -> (loss, (new_state, metrics))`` as
        ``objective`` with per-example weights ``w`` ``[B]`` (0 or 1 when masking a batch):
        loss and metrics are the weighted means ``sum_i w_i l_i / sum_i w_i``; ``None`` when
        the problem cannot weight examples (see ``no_weights``). A population with a
        ``batch_size`` column trains through it.
      no_weights: why ``weighted_objective`` is ``None`` (``""`` when it is not).
      hyperparams: table columns the problem consumes (e.g. ``("label_smoothing",)``); when
        non-empty, ``objective`` takes a fourth argument ``hp``, ``{name: scalar}``, the
        trial's values (traced, like a learning rate), and those columns never reach the
        optimizer.
    """

    init: Callable[[jax.Array], tuple[Params, State]]
    objective: Callable[[Params, State, Batch | None], tuple[jax.Array, tuple[State, dict]]]
    evaluate: Callable[[Params, State, Batch | None], dict[str, jax.Array]]
    data: Dataset | None
    metric_names: tuple[str, ...]
    loss_name: str
    num_classes: int | None
    name: str
    apply: Callable[[Params, State, jax.Array], jax.Array] | None = None
    weighted_objective: Callable[..., tuple[jax.Array, tuple[State, dict]]] | None = None
    no_weights: str = (
        "it was built by Problem.from_loss, whose loss_fn returns one number per batch, not "
        "one per example"
    )
    hyperparams: tuple[str, ...] = ()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_loss(
        cls,
        loss_fn: Callable[..., Any],
        params: Params | Callable[[jax.Array], Params],
        data: Dataset | None = None,
        *,
        has_aux: bool = False,
        name: str = "custom loss",
    ) -> Problem:
        """A problem from a scalar loss.

        Args:
          loss_fn: ``loss_fn(params) -> scalar`` (full-batch, ``data=None``) or
            ``loss_fn(params, batch) -> scalar`` with ``batch = (x, y)`` a mini-batch of
            ``data``'s training split. With ``has_aux=True`` it returns ``(loss, metrics)``, a
            dict of extra scalar metrics (e.g. accuracy) that are recorded too.
          params: the initial parameters (a pytree of float arrays; every seed starts here), or a
            function ``key -> params`` to draw them per seed.
          data: optional dataset for mini-batch training.

        Example:
          >>> import jax.numpy as jnp, jaxscape as js
          >>> loss = lambda p: jnp.sum((p["w"] - 3.0) ** 2)
          >>> prob = js.Problem.from_loss(loss, {"w": jnp.zeros(2)})
          >>> float(prob.objective(prob.init(None)[0], {}, None)[0])
          18.0
        """
        check_callable("loss_fn", loss_fn)
        if data is not None and not isinstance(data, Dataset):
            raise TypeError(f"data must be a jaxscape Dataset or None, got {type(data).__name__}")
        init_params = params if callable(params) else (lambda key: params)
        if not callable(params):
            _check_param_tree("params", params)

        def call(p: Params, batch: Batch | None) -> tuple[jax.Array, dict]:
            out = loss_fn(p) if data is None else loss_fn(p, batch)
            loss, aux = out if has_aux else (out, {})
            return jnp.asarray(loss), dict(aux)

        def init(key: jax.Array) -> tuple[Params, State]:
            return init_params(key), {}

        def objective(p: Params, state: State, batch: Batch | None):
            loss, aux = call(p, batch)
            return loss, (state, aux)

        def evaluate(p: Params, state: State, batch: Batch | None):
            loss, aux = call(p, batch)
            return {"loss": loss, **aux}

        # Trace once (no compilation) so a wrong signature or a non-scalar loss is reported now.
        probe_params = jax.eval_shape(init_params, jax.random.key(0))
        probe_batch = None
        if data is not None:
            probe_batch = (
                jax.ShapeDtypeStruct((2, *data.input_shape), data.train.x.dtype),
                jax.ShapeDtypeStruct((2, *data.target_shape), data.train.y.dtype),
            )
        try:
            loss_shape, aux_shape = jax.eval_shape(call, probe_params, probe_batch)
        except TypeError as err:
            form = "loss_fn(params)" if data is None else "loss_fn(params, batch)"
            raise TypeError(f"loss_fn must be callable as {form}: {err}") from err
        if loss_shape.shape != ():
            raise ValueError(f"loss_fn must return a scalar, got shape {loss_shape.shape}")
        metric_names = ("loss", *aux_shape)
        return cls(
            init=init,
            objective=objective,
            evaluate=evaluate,
            data=data,
            metric_names=metric_names,
            loss_name="custom",
            num_classes=data.num_classes if data is not None else None,
            name=name,
        )

    @classmethod
    def from_model(
        cls,
        model: ModelSpec | Callable[..., Any],
        data: Dataset,
        *,
        loss: str | None = None,
        name: str | None = None,
    ) -> Problem:
        """A supervised problem: a flax NNX model trained on ``data``.

        Args:
          model: a spec from :mod:`jaxscape.models` (input size and outputs come from the data)
            or any callable ``rngs -> nnx.Module`` mapping a batch ``[B, *input_shape]`` to
            outputs ``[B, k]``.
          data: the dataset.
          loss: ``"cross_entropy"`` (default for labels) or ``"mse"`` (default for regression
            targets; one-hot targets for labels).

        Example:
          >>> import jaxscape as js
          >>> prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())
          >>> prob.metric_names, prob.loss_name
          (('loss', 'accuracy'), 'cross_entropy')
        """
        data = _check_data(data)
        loss = _loss_choice(data, loss)
        factory = resolve_factory(model, data.input_shape, _num_outputs(data))
        label = name or f"{type(model).__name__} on {data.name}"
        return cls._supervised(functional(factory), data, loss, label, _has_batch_stats(factory))

    @classmethod
    def from_linen(
        cls,
        module: Any,
        data: Dataset,
        *,
        loss: str | None = None,
        name: str | None = None,
        mode: str | None = "auto",
        rng_names: tuple[str, ...] = ("dropout",),
    ) -> Problem:
        """A supervised problem: a flax linen module trained on ``data``.

        ``params`` is the module's ``"params"`` collection, the state every other collection
        (``batch_stats``) plus a per-trial dropout key, split every training step (see
        :func:`jaxscape.models.linen_model` and :mod:`jaxscape.models.pure`).

        Args:
          module: a ``flax.linen.Module`` mapping ``[B, *input_shape]`` to ``[B, k]``, ``k``
            the classes (or regression outputs); it switches mode by a ``train`` (or
            ``deterministic``) keyword of ``__call__``.
          data: the dataset.
          loss: as in :meth:`from_model`.
          mode: see :func:`jaxscape.models.linen_model`.
          rng_names: see :func:`jaxscape.models.linen_model`.

        Example:
          >>> import flax.linen as nn, jaxscape as js
          >>> class Net(nn.Module):
          ...     @nn.compact
          ...     def __call__(self, x, train: bool = False):
          ...         x = nn.relu(nn.Dense(16)(x.reshape(len(x), -1)))
          ...         x = nn.Dropout(0.2, deterministic=not train)(x)
          ...         return nn.Dense(10)(x)
          >>> prob = js.Problem.from_linen(Net(), js.data.digits())
          >>> prob.num_params  # 64*16 + 16 + 16*10 + 10
          1210
        """
        from jaxscape.models.linen import linen_model

        data = _check_data(data)
        dtype = data.train.x.dtype
        model = linen_model(module, data.input_shape, input_dtype=dtype, mode=mode,
                            rng_names=rng_names)  # fmt: skip
        return cls._from_pure(model, data, loss, name)

    @classmethod
    def from_equinox(
        cls,
        make_model: Callable[[jax.Array], Any],
        data: Dataset,
        *,
        loss: str | None = None,
        name: str | None = None,
        batch_axis: str | None = "batch",
    ) -> Problem:
        """A supervised problem: an equinox model trained on ``data``.

        Args:
          make_model: ``key -> eqx.Module``, or ``key -> (model, state)`` from
            ``eqx.nn.make_with_state`` for a model with ``BatchNorm``; the model maps one
            example ``[*input_shape]`` to ``[k]`` (vmapped over the batch with ``axis_name``
            ``batch_axis``), called as ``model(x, state, key=key)`` or ``model(x, key=key)``.
          data: the dataset.
          loss: as in :meth:`from_model`.
          batch_axis: see :func:`jaxscape.models.equinox_model`.

        Evaluation runs ``eqx.nn.inference_mode(model)``; each trial's dropout key lives in its
        state and is split every training step (see :mod:`jaxscape.models.pure`).

        Example:
          >>> import equinox as eqx, jax.numpy as jnp, jaxscape as js
          >>> make = lambda key: eqx.nn.Sequential(
          ...     [eqx.nn.Lambda(jnp.ravel), eqx.nn.MLP(64, 10, 16, 1, key=key)])
          >>> prob = js.Problem.from_equinox(make, js.data.digits())
          >>> prob.num_params
          1210
        """
        from jaxscape.models.equinox import equinox_model

        return cls._from_pure(equinox_model(make_model, batch_axis=batch_axis), data, loss, name)

    @classmethod
    def from_functions(
        cls,
        init: Callable[[jax.Array], tuple[Params, State]],
        apply: Callable[..., tuple[jax.Array, State]],
        data: Dataset,
        *,
        loss: str | None = None,
        name: str | None = None,
    ) -> Problem:
        """A supervised problem: a model given as two plain JAX functions.

        Args:
          init: ``key -> (params, state)``; ``state`` holds batch statistics, ``{}`` if none.
          apply: ``(params, state, x, key, train) -> (outputs, new_state)``, ``x``
            ``[B, *input_shape]`` to ``[B, k]``; ``key`` is a fresh key per step and trial in
            training mode and ``None`` in evaluation mode (see
            :func:`jaxscape.models.plain_model`).
          data: the dataset.
          loss: as in :meth:`from_model`.

        Example:
          >>> import jax, jax.numpy as jnp, jaxscape as js
          >>> init = lambda key: ({"w": 0.01 * jax.random.normal(key, (64, 10))}, {})
          >>> def apply(params, state, x, key, train):
          ...     return x.reshape(len(x), -1) @ params["w"], state
          >>> prob = js.Problem.from_functions(init, apply, js.data.digits())
          >>> prob.metric_names
          ('loss', 'accuracy')
        """
        from jaxscape.models.plain import plain_model

        return cls._from_pure(plain_model(init, apply), data, loss, name)

    @classmethod
    def from_custom_loss(
        cls,
        init: Callable[[jax.Array], tuple[Params, State]],
        loss: Callable[..., tuple[jax.Array, State, dict]],
        data: Dataset | None = None,
        *,
        hyperparams: tuple[str, ...] = (),
        defaults: dict[str, float] | None = None,
        structural: tuple[str, ...] = (),
        name: str = "custom loss",
    ) -> Problem:
        """A problem from your own loss, which takes a key, the model state and hyperparameters.

        Args:
          init: ``key -> (params, state)``; ``params`` trained, ``state`` the other variables
            (batch statistics), ``{}`` when there are none.
          loss: ``(params, state, batch, key, hp) -> (loss, new_state, metrics)``. ``batch`` is
            ``(x, y)``, a mini-batch of ``data`` (``None`` without data); ``key`` a fresh key
            per step and trial in training mode (dropout), ``None`` in evaluation mode;
            ``hp`` ``{name: float32 scalar}``, the trial's values of ``hyperparams``;
            ``loss`` a scalar, ``new_state`` the updated state (ignored in evaluation mode),
            ``metrics`` a dict of scalar batch means (e.g. ``{"accuracy": ...}``).
          data: the dataset, or ``None`` for a full-batch objective.
          hyperparams: the table columns ``loss`` reads from ``hp`` (e.g.
            ``("label_smoothing", "dropout_rate")``); each is a traced per-trial value, like
            a learning rate, and never reaches the optimizer.
          defaults: ``hp`` in evaluation mode (held-out splits, divergence judgement,
            landscapes): ``0.0`` for every name unless given.
          structural: names among ``hyperparams`` that evaluation mode takes at the trial's
            value instead (a width that masks units): each training step keeps a copy in the
            state (see :mod:`jaxscape.models.custom_loss`).

        The key stream: ``init(k_init)`` and ``k_stream`` come from
        ``jax.random.split(jax.random.key(seed))``, and each step splits ``k_stream`` into its
        key and the next (see :mod:`jaxscape.models.pure`). A loss returning a non-scalar, a
        state of another structure, or reading a name missing from ``hyperparams`` is refused
        here, on abstract values.

        Example:
          >>> import jax, jax.numpy as jnp, optax, jaxscape as js
          >>> init = lambda key: ({"w": jnp.zeros((64, 10))}, {})
          >>> def loss(params, state, batch, key, hp):
          ...     x, y = batch
          ...     logits = x.reshape(len(x), -1) @ params["w"]
          ...     target = optax.smooth_labels(jax.nn.one_hot(y, 10), hp["label_smoothing"])
          ...     value = optax.softmax_cross_entropy(logits, target).mean()
          ...     return value, state, {"accuracy": (logits.argmax(-1) == y).mean()}
          >>> prob = js.Problem.from_custom_loss(init, loss, js.data.digits(),
          ...                                    hyperparams=("label_smoothing",))
          >>> prob.metric_names, prob.hyperparams
          (('loss', 'accuracy'), ('label_smoothing',))
        """

        check_callable("init", init)
        check_callable("loss", loss)
        check_init(init)
        if data is not None:
            _check_data(data)
        fns = custom_loss(loss, hyperparams, defaults, structural)
        stream = fns.init(init)
        batch = None if data is None else _abstract_batch(data)
        metrics = check_loss(fns, stream, batch)
        return cls(
            init=stream,
            objective=fns.objective,
            evaluate=fns.evaluate,
            data=data,
            metric_names=("loss", *metrics),
            loss_name="custom",
            num_classes=data.num_classes if data is not None else None,
            name=name,
            no_weights=(
                "it was built by Problem.from_custom_loss, whose loss returns one number per "
                "batch, not one per example"
            ),
            hyperparams=fns.names,
        )

    @classmethod
    def from_masked_width(
        cls, model: Any, data: Dataset, *, loss: str | None = None, name: str | None = None
    ) -> Problem:
        """A problem whose hidden width is a table column ``width``, masked within one
        population: a trial of width ``w`` equals the network of ``w`` alone.

        Args:
          model: a :class:`jaxscape.models.WidthMLP`; its ``max_width`` must cover the table's
            largest ``width`` (a larger one is capped at ``max_width``).
          data: the dataset.
          loss: as in :meth:`from_model`.

        Every trial pays for ``max_width``. See :mod:`jaxscape.models.masked_width` for why the
        masking is exact (per-entry initial weights, ``1 / sqrt(fan_in)`` in the forward pass).

        Example:
          >>> import jaxscape as js
          >>> prob = js.Problem.from_masked_width(js.models.WidthMLP((16,), max_width=2.0),
          ...                                     js.data.digits())
          >>> prob.hyperparams
          ('width',)
        """
        from jaxscape.models.masked_width import WIDTH, WidthMLP, width_loss

        if not isinstance(model, WidthMLP):
            raise TypeError(f"model must be a jaxscape.models.WidthMLP, got {type(model).__name__}")
        data = _check_data(data)
        loss = _loss_choice(data, loss)
        onehot = data.num_classes if (data.is_classification and loss == "mse") else None
        init, objective = width_loss(model, data.input_shape, _num_outputs(data), loss, onehot)
        prob = cls.from_custom_loss(
            init, objective, data, hyperparams=(WIDTH,), defaults={WIDTH: model.max_width},
            structural=(WIDTH,), name=name or f"WidthMLP{model.hidden} on {data.name}",
        )  # fmt: skip
        return dataclasses.replace(prob, loss_name=loss)

    @classmethod
    def _from_pure(cls, model: PureModel, data: Dataset, loss: str | None, name: str | None):
        data = _check_data(data)
        loss = _loss_choice(data, loss)
        label = name or f"{model.name} on {data.name}"
        return cls._supervised(key_stream(model), data, loss, label, model.has_stats)

    @classmethod
    def _supervised(
        cls, fn: Functional, data: Dataset, loss: str, name: str, batch_stats: bool
    ) -> Problem:
        """The problem of a model ``fn`` (``apply(params, state, x, train)``) with a standard
        ``loss`` on ``data``; its output shape is checked on an abstract batch first."""
        classification = data.is_classification
        _check_outputs(fn, data)
        onehot = data.num_classes if (classification and loss == "mse") else None

        def per_example(out: jax.Array, y: jax.Array) -> dict[str, jax.Array]:
            if loss == "cross_entropy":
                values = {"loss": losses.cross_entropy(out, y)}
            else:
                values = {"loss": losses.mse(out, y, onehot)}
            if classification:
                values["accuracy"] = losses.accuracy(out, y)
            return values

        def objective(params: Params, state: State, batch: Batch):
            x, y = batch
            out, new_state = fn.apply(params, state, x, True)
            values = {k: jnp.mean(v) for k, v in per_example(out, y).items()}
            total = values.pop("loss")
            return total, (new_state, values)

        def weighted_objective(params: Params, state: State, batch: Batch, w: jax.Array):
            x, y = batch
            out, new_state = fn.apply(params, state, x, True)
            values = {k: losses.weighted_mean(v, w) for k, v in per_example(out, y).items()}
            total = values.pop("loss")
            return total, (new_state, values)

        def evaluate(params: Params, state: State, batch: Batch):
            x, y = batch
            out, _ = fn.apply(params, state, x, False)
            return {k: jnp.mean(v) for k, v in per_example(out, y).items()}

        def apply(params: Params, state: State, x: jax.Array) -> jax.Array:
            return fn.apply(params, state, x, False)[0]

        return cls(
            init=fn.init,
            objective=objective,
            evaluate=evaluate,
            data=data,
            metric_names=("loss", "accuracy") if classification else ("loss",),
            loss_name=loss,
            num_classes=data.num_classes,
            name=name,
            apply=apply,
            weighted_objective=None if batch_stats else weighted_objective,
            no_weights=_BATCH_STATS if batch_stats else "",
        )

    # ------------------------------------------------------------------ conveniences
    @property
    def full_batch(self) -> bool:
        """True when the objective takes no data (``from_loss`` without ``data``)."""
        return self.data is None

    @functools.cached_property
    def num_params(self) -> int:
        """Number of trained scalars (traced once per problem)."""
        params, _ = jax.eval_shape(self.init, jax.random.key(0))
        return int(sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(params)))

    def require_weights(self, reason: str) -> Callable[..., Any]:
        """``weighted_objective``, or a ``ValueError`` saying why ``reason`` cannot have it."""
        if self.weighted_objective is None:
            raise ValueError(f"{reason} needs per-example weights, but {self!r}: {self.no_weights}")
        return self.weighted_objective

    def steps_per_epoch(self, batch_size: int | None) -> int:
        """Optimizer steps per pass over the training data (1 for full-batch problems)."""
        return 1 if self.data is None else self.data.steps_per_epoch(batch_size)

    def __repr__(self) -> str:
        return f"Problem({self.name!r}, loss={self.loss_name}, data={self.data!r})"


_BATCH_STATS = (
    "its model keeps batch statistics (BatchNorm): the masked rows of a padded batch would "
    "enter the batch mean and variance, so masking cannot reproduce a smaller batch; run one "
    "sweep per batch size instead"
)


def _check_data(data: Any) -> Dataset:
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a jaxscape Dataset, got {type(data).__name__}")
    return data


def _loss_choice(data: Dataset, loss: str | None) -> str:
    """The loss name: ``loss``, or the default for ``data`` (cross-entropy for labels)."""
    loss = loss or ("cross_entropy" if data.is_classification else "mse")
    check_choice("loss", loss, losses.LOSSES)
    if loss == "cross_entropy" and not data.is_classification:
        raise ValueError("loss='cross_entropy' needs class labels; this dataset is regression")
    return loss


def _num_outputs(data: Dataset) -> int:
    """Outputs a model of ``data`` has: its classes, or the size of one target."""
    return data.num_classes if data.is_classification else math.prod(data.target_shape or (1,))


def _abstract_batch(data: Dataset, b: int = 2) -> Batch:
    """An abstract training batch ``(x, y)`` of ``b`` rows (nothing is allocated)."""
    return (
        jax.ShapeDtypeStruct((b, *data.input_shape), data.train.x.dtype),
        jax.ShapeDtypeStruct((b, *data.target_shape), data.train.y.dtype),
    )


def _check_outputs(fn: Functional, data: Dataset) -> None:
    """Raise ``ValueError`` unless ``fn`` maps a batch ``[B, *input_shape]`` to ``[B, k]``."""
    x, _ = _abstract_batch(data)
    params, state = jax.eval_shape(fn.init, jax.random.key(0))
    try:
        out = jax.eval_shape(lambda p, s, x: fn.apply(p, s, x, False)[0], params, state, x)
    except Exception as err:
        raise ValueError(
            f"the model cannot be applied to a batch [2, *{data.input_shape}] of {data.name}: "
            f"{type(err).__name__}: {err}"
        ) from err
    want = (2, _num_outputs(data))
    if getattr(out, "shape", None) != want:
        what = f"{data.num_classes} classes" if data.is_classification else "targets"
        got = getattr(out, "shape", type(out).__name__)
        raise ValueError(
            f"the model maps a batch [2, *{data.input_shape}] to {got}, but {data.name}'s "
            f"{what} need outputs {list(want)} ([B, {want[1]}])"
        )


def _has_batch_stats(factory: Callable[..., Any]) -> bool:
    """Whether the module ``factory(rngs)`` builds holds ``nnx.BatchStat`` variables (judged
    on an abstract module: nothing is allocated)."""
    from flax import nnx

    abstract = nnx.eval_shape(lambda: factory(nnx.Rngs(0)))
    return bool(jax.tree.leaves(nnx.state(abstract, nnx.BatchStat)))


def _check_param_tree(name: str, params: Params) -> None:
    leaves = jax.tree.leaves(params)
    if not leaves:
        raise ValueError(f"{name} is an empty pytree")
    for i, leaf in enumerate(leaves):
        dtype = getattr(leaf, "dtype", None)
        if dtype is None or not jnp.issubdtype(dtype, jnp.floating):
            raise TypeError(
                f"{name}: every leaf must be a float array; leaf {i} is {type(leaf).__name__}"
                + (f" of dtype {dtype}" if dtype is not None else "")
            )


def check_problem(prob: Any) -> Problem:
    """Return ``prob`` if it is a :class:`Problem`; otherwise raise ``TypeError``."""
    if not isinstance(prob, Problem):
        raise TypeError(f"prob must be a jaxscape Problem, got {type(prob).__name__}")
    return prob
