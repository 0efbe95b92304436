"""Byte accounting of one update against hand counts of each optimizer's buffers.

Hand counts, for ``P`` float32 parameters: an update reads the parameters, the gradients and
every state buffer, and writes the parameters and every state buffer, so each buffer of ``P``
floats costs 4 bytes per parameter each way; a scalar step counter (int32 or float32) costs 4
bytes each way. Buffers per optimizer are read off its update rule (torch.optim's docs):
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
import pytest

import jaxscape.optim as jo
from jaxscape.bench import update_bytes
from jaxscape.bench.bytes import torch_update_bytes

P = 1000
PARAMS = {
    "w": jax.ShapeDtypeStruct((25, 30), jnp.float32),
    "b": jax.ShapeDtypeStruct((250,), jnp.float32),
}


def hand(buffers: int, scalars: int, itemsize: int = 4) -> int:
    """read p, g + buffers; write p + buffers; plus the scalars read and written."""
    per_param = (2 + buffers) * itemsize + (1 + buffers) * itemsize
    return per_param * P + 2 * 4 * scalars


CASES = {
    # name: (transformation, state buffers of P, scalar state entries)
    "jaxscape sgd, momentum 0": (jo.sgd(0.1), 1, 1),  # buffer b kept even at mu = 0; count
    "jaxscape sgd, momentum 0.9": (jo.sgd(0.1, momentum=0.9), 1, 1),  # b; count
    "jaxscape adagrad": (jo.adagrad(0.1), 1, 1),  # sum of squares; count
    "jaxscape rmsprop": (jo.rmsprop(0.01), 2, 1),  # v and momentum buffer b (kept); count
    "jaxscape rmsprop centered": (jo.rmsprop(0.01, centered=True), 3, 1),  # v, b, mean m
    "jaxscape adadelta": (jo.adadelta(1.0), 2, 1),  # square avg, delta avg; count
    "jaxscape adam": (jo.adam(1e-3), 2, 1),  # m, v; count -> 28 B/param
    "jaxscape adamw": (jo.adamw(1e-3), 2, 1),  # m, v; count
    "jaxscape adamax": (jo.adamax(1e-3), 2, 1),  # m, infinity norm u; count
    "jaxscape nadam": (jo.nadam(1e-3), 2, 2),  # m, v; count and the momentum product
    "optax adam": (optax.adam(1e-3), 2, 1),  # mu, nu; count
    "optax sgd": (optax.sgd(0.1), 0, 0),  # stateless: read p, g; write p -> 12 B/param
    "optax sgd, momentum 0.9": (optax.sgd(0.1, momentum=0.9), 1, 0),  # trace
}


@pytest.mark.parametrize("name", list(CASES))
def test_update_bytes_match_hand_counts(name):
    tx, buffers, scalars = CASES[name]
    assert update_bytes(tx, PARAMS).moved == hand(buffers, scalars)


def test_adam_is_28_bytes_per_float32_parameter_and_14_in_bfloat16():
    big = jax.ShapeDtypeStruct((10**6,), jnp.float32)
    b = update_bytes(optax.adam(1e-3), big)
    assert (b.read, b.write) == (16 * 10**6 + 4, 12 * 10**6 + 4)
    half = jax.ShapeDtypeStruct((10**6,), jnp.bfloat16)
    assert update_bytes(jo.adam(1e-3), half).moved == 14 * 10**6 + 8


def test_torch_adam_and_sgd_counted_from_their_state():
    torch = pytest.importorskip("torch")
    p = [torch.zeros(600, requires_grad=True), torch.zeros(400, requires_grad=True)]
    for t in p:
        t.grad = torch.ones_like(t)
    adam = torch.optim.Adam(p, lr=1e-3)
    adam.step()
    # exp_avg, exp_avg_sq per parameter tensor, and a float32 step tensor per tensor (2 here)
    assert torch_update_bytes(adam).moved == 28 * P + 2 * 2 * 4
    sgd = torch.optim.SGD(p, lr=0.1)
    sgd.step()
    assert torch_update_bytes(sgd).moved == 12 * P  # no momentum buffer at momentum 0


def test_update_bytes_rejects_a_non_transformation():
    with pytest.raises(TypeError, match="tx must be"):
        update_bytes(lambda: None, PARAMS)
