"""Package layout that pyproject.toml cannot express: the presets edited in `scenarios/`
ship inside the wheel as `sim/presets/` (read with importlib.resources, sim/scenario.py).

Every other setting is in pyproject.toml. Packages are found, not listed, so a new
subpackage of `sim` is included without editing this file; any *.toml or *.csv added to
`scenarios/` ships with the presets.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["sim", "sim.*"]), "sim.presets"],
    package_dir={"sim.presets": "scenarios"},
    package_data={"sim": ["py.typed", "**/*.toml", "**/*.csv"], "sim.presets": ["*.toml", "*.csv"]},
)
