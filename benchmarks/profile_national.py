"""Profile target: the national preset with Guangdong's reforms switched on, 60 steps.

.venv/bin/python -m pyinstrument -r text benchmarks/profile_national.py
"""

from sim import GovModel
from sim.scenario import load_spec

GUANGDONG, _ = load_spec("guangdong")
REFORMS = {
    f"reforms.{name}.{key}": value
    for name, section in GUANGDONG.reforms.model_dump(mode="json").items()
    if section["enabled"]
    for key, value in section.items()
}

model = GovModel("national", rng=1, **REFORMS)
for _ in range(60):
    model.step()
