"""Root conftest: keep doctest collection away from modules that run on import."""

collect_ignore = ["src/riskscore/cli/__main__.py"]
