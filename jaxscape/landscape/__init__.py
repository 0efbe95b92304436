"""Loss landscapes: thousands of points in weight space evaluated as one batched computation.

Directions (:func:`random_direction` filter-normalised as in Li et al. 2018,
:func:`target_direction` between two weight sets, :func:`trajectory_pca` of a training
trajectory, :func:`hessian_eigenpairs`), landscapes (:func:`line`, :func:`interpolate`,
:func:`plane`, :func:`trajectory_plane`) evaluated exactly over whole data splits with points
``vmap``-ed in chunks, and Hessian spectra (:func:`hessian_trace`, :func:`hessian_density`).

>>> import jax, jaxscape as js
>>> prob = js.Problem.from_model(js.models.MLP(hidden=(16,)), js.data.digits())
>>> params, _ = prob.init(jax.random.key(0))
>>> d = js.landscape.random_direction(params, jax.random.key(1))
>>> res = js.landscape.line(prob, params, d, progress=False)
>>> res.alphas.shape, res.metrics["train_loss"].shape
((201,), (201,))
"""

from jaxscape.landscape.direction import Direction
from jaxscape.landscape.hessian_density import HessianDensity, hessian_density
from jaxscape.landscape.hessian_eigen import HessianEigen, hessian_eigenpairs
from jaxscape.landscape.hessian_trace import HessianTrace, hessian_trace
from jaxscape.landscape.line import interpolate, line
from jaxscape.landscape.normalize import NORMALIZATIONS, normalize_direction
from jaxscape.landscape.orthogonalize import cosine_similarity, orthogonalize
from jaxscape.landscape.pca import TrajectoryPCA, project_trajectory, trajectory_pca
from jaxscape.landscape.plane import plane, trajectory_plane
from jaxscape.landscape.random_direction import random_direction
from jaxscape.landscape.result import LandscapeLine, LandscapeSurface, load_landscape
from jaxscape.landscape.target_direction import target_direction

__all__ = [
    "NORMALIZATIONS",
    "Direction",
    "HessianDensity",
    "HessianEigen",
    "HessianTrace",
    "LandscapeLine",
    "LandscapeSurface",
    "TrajectoryPCA",
    "cosine_similarity",
    "hessian_density",
    "hessian_eigenpairs",
    "hessian_trace",
    "interpolate",
    "line",
    "load_landscape",
    "normalize_direction",
    "orthogonalize",
    "plane",
    "project_trajectory",
    "random_direction",
    "target_direction",
    "trajectory_pca",
    "trajectory_plane",
]
