"""The one scoring path: :class:`Scorer` turns a bundle and borrowers' tables into scores, reasons and plans."""

from riskscore.scoring._scorer import Scored, Scorer

__all__ = ["Scored", "Scorer"]
