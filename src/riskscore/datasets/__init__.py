"""Data sets: the synthetic lending world with ground truth (and, later, real-data adapters)."""

from riskscore.datasets._params import WorldParams
from riskscore.datasets._real import RealData, load_home_credit, load_uci_taiwan
from riskscore.datasets._response import PRESSURE_ACTIONS, ResponseParams, uniform
from riskscore.datasets._store import read_world, write_world
from riskscore.datasets._summary import summarize_installments
from riskscore.datasets._world import World, generate

__all__ = [
    "PRESSURE_ACTIONS",
    "RealData",
    "ResponseParams",
    "World",
    "WorldParams",
    "generate",
    "load_home_credit",
    "load_uci_taiwan",
    "read_world",
    "summarize_installments",
    "uniform",
    "write_world",
]
