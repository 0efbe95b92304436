"""The first-layer factorisation: ``X (w + a d) = X w + a X d``, computed once per data batch.

A dense or convolutional layer applied to the raw input is linear in its kernel and sees the
same input at every landscape point. Since every point's parameters are a linear combination
``sum_j c_j T_j`` of a few bases (centre and directions), its pre-activation at every point is
``sum_j c_j (X K_j)``: the products ``X K_j`` (two for a line, three for a plane) are computed
once per data batch and shared by the whole chunk, and each point only runs the rest of the
network. For an MLP 784-128-10 that removes almost all the work. It is an identity, not an
approximation; results equal the generic path up to float rounding.

The layer is found in the jaxpr of one batch's evaluation: the first ``dot_general`` or
``conv_general_dilated`` whose one operand depends on the data batch alone and whose other
operand is a parameter leaf itself. Each point then evaluates that jaxpr with the layer's
output supplied (a small interpreter over the jaxpr's equations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
from jax.extend.core import Literal

from jaxscape.landscape._tree import combine
from jaxscape.problem import Problem

LINEAR_PRIMITIVES = ("dot_general", "conv_general_dilated")


@dataclass(frozen=True)
class FirstLayer:
    """Where the factorable layer sits in a jaxpr."""

    eqn_index: int  # the layer's equation
    param_index: int  # its kernel: this leaf of the flattened parameters
    kernel_operand: int  # 0 or 1: the kernel's operand position
    data_eqns: tuple[int, ...]  # equations before it that depend on the data alone


def _abstract(tree: Any) -> Any:
    return jax.tree.map(lambda x: jax.ShapeDtypeStruct(jnp.shape(x), x.dtype), tree)


def find_first_layer(jaxpr: Any, num_params: int, num_state: int) -> FirstLayer | None:
    """The factorable first layer of ``jaxpr`` (invars: params, state, batch), or ``None``."""
    invars = jaxpr.invars
    params = {v: i for i, v in enumerate(invars[:num_params])}
    data = set(invars[num_params + num_state :]) | set(jaxpr.constvars)
    if not invars[num_params + num_state :]:
        return None  # a full-batch problem: no data input to factor
    data_eqns = []
    for i, eqn in enumerate(jaxpr.eqns):
        ins = [v for v in eqn.invars if not isinstance(v, Literal)]
        if eqn.primitive.name in LINEAR_PRIMITIVES and len(eqn.invars) == 2:
            for pos in (0, 1):
                kernel, other = eqn.invars[pos], eqn.invars[1 - pos]
                if (
                    not isinstance(kernel, Literal)
                    and kernel in params
                    and not isinstance(other, Literal)
                    and other in data
                ):
                    return FirstLayer(i, params[kernel], pos, tuple(data_eqns))
        if ins and all(v in data for v in ins) and not eqn.effects:
            data.update(eqn.outvars)
            data_eqns.append(i)
    return None


def _bind(eqn: Any, invals: list) -> Any:
    bind_params = eqn.primitive.get_bind_params(eqn.params)
    subfuns: list = []
    if isinstance(bind_params, tuple):  # older jax: (subfuns, params)
        subfuns, bind_params = bind_params
    return eqn.primitive.bind(*subfuns, *invals, **bind_params)


def _env(jaxpr: Any, consts: list, args: list) -> dict:
    env = dict(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    return env


def _run(jaxpr: Any, env: dict, eqns: Any, override: tuple[int, Any] | None = None) -> dict:
    """Evaluate the equations ``eqns`` of ``jaxpr`` in order into ``env``.

    ``override = (i, value)`` supplies equation ``i``'s output instead of computing it.
    """
    read = lambda v: v.val if isinstance(v, Literal) else env[v]
    for i in eqns:
        eqn = jaxpr.eqns[i]
        if override is not None and i == override[0]:
            env[eqn.outvars[0]] = override[1]
            continue
        out = _bind(eqn, [read(v) for v in eqn.invars])
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, out, strict=True))
        else:
            env[eqn.outvars[0]] = out
    return env


def detect(prob: Problem, params: Any, state: Any, batch: Any) -> FirstLayer | None:
    """The factorable first layer of ``prob.evaluate`` for one (abstract) batch, if any."""
    if batch is None:
        return None
    closed = jax.make_jaxpr(prob.evaluate)(_abstract(params), _abstract(state), batch)
    return find_first_layer(closed.jaxpr, len(jax.tree.leaves(params)), len(jax.tree.leaves(state)))


def factored_batch(
    prob: Problem, bases: tuple, state: Any, point_state: Any, weights: Any, batch: Any
):
    """Metrics ``{name: [C]}`` of one data batch at the ``C`` points ``weights [C, J]``.

    The first layer's products ``X K_j`` are computed once for the batch and combined per
    point (see the module docstring); ``point_state(w)`` is each point's model state.
    """
    n_params = len(jax.tree.leaves(bases[0]))
    closed, shapes = jax.make_jaxpr(prob.evaluate, return_shape=True)(
        _abstract(bases[0]), _abstract(state), _abstract(batch)
    )
    jaxpr, consts = closed.jaxpr, closed.consts
    layer = find_first_layer(jaxpr, n_params, len(jax.tree.leaves(state)))
    if layer is None:  # pragma: no cover - detect() said otherwise for this shape
        raise RuntimeError("the first layer is no longer factorable for this batch shape")
    batch_leaves = jax.tree.leaves(batch)
    args = [*jax.tree.leaves(bases[0]), *jax.tree.leaves(state), *batch_leaves]
    env = _run(jaxpr, _env(jaxpr, consts, args), layer.data_eqns)
    eqn = jaxpr.eqns[layer.eqn_index]
    data_in = eqn.invars[1 - layer.kernel_operand]
    data_val = data_in.val if isinstance(data_in, Literal) else env[data_in]
    products = []
    for base in bases:
        kernel = jax.tree.leaves(base)[layer.param_index]
        operands = [data_val, kernel] if layer.kernel_operand == 1 else [kernel, data_val]
        products.append(_bind(eqn, operands))
    out_tree = jax.tree.structure(shapes)
    order = range(len(jaxpr.eqns))

    def one(w):
        value = sum(
            (w[j].astype(p.dtype) * p for j, p in enumerate(products[1:], 1)),
            w[0].astype(products[0].dtype) * products[0],
        )
        point_args = [
            *jax.tree.leaves(combine(bases, w)),
            *jax.tree.leaves(point_state(w)),
            *batch_leaves,
        ]
        point_env = _run(jaxpr, _env(jaxpr, consts, point_args), order, (layer.eqn_index, value))
        outs = [v.val if isinstance(v, Literal) else point_env[v] for v in jaxpr.outvars]
        return jax.tree.unflatten(out_tree, outs)

    return jax.vmap(one)(weights)
