"""Float reference simulator (float64, exact LIF propagators, RK4 AdEx): the ground truth."""
from .simulator import simulate

__all__ = ["simulate"]
