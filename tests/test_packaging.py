"""An installed govsim (not editable, not run from the source tree) finds its presets.

The wheel carries `scenarios/*.toml` as `sim/presets/` (setup.py). The fast test copies
the package the way the wheel lays it out; the slow one builds the real wheel, installs it
into a fresh virtual environment and runs a preset from another folder.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, **extra}


def _run_preset(python: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-m", "sim", "run", "guangdong", "--steps", "2", "-q", "--out", str(cwd / "out")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_installed_layout_reads_its_presets_from_package_data(tmp_path):
    """sim/ as the wheel installs it: no scenarios/ folder or pyproject.toml beside it."""
    site_dir = tmp_path / "site-packages"
    shutil.copytree(ROOT / "sim", site_dir / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    (site_dir / "sim" / "presets").mkdir()
    for f in (ROOT / "scenarios").glob("*.toml"):
        shutil.copy(f, site_dir / "sim" / "presets" / f.name)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = _run_preset(sys.executable, elsewhere, _clean_env(PYTHONPATH=str(site_dir)))
    assert r.returncode == 0, r.stderr
    assert (elsewhere / "out" / "timeseries.csv").is_file()
    code = (
        "import sim.scenario as s; from sim.scenario import load_spec;"
        "print(s.scenarios_dir()); print(load_spec('guangdong')[0].meta.name)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env=_clean_env(PYTHONPATH=str(site_dir)),
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    where, name = r.stdout.split()
    assert Path(where) == site_dir / "sim" / "presets" and name == "guangdong"  # `extends` chain resolved too


def test_a_layout_without_presets_says_so_in_one_line(tmp_path):
    site_dir = tmp_path / "site-packages"
    shutil.copytree(ROOT / "sim", site_dir / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    r = subprocess.run(
        [sys.executable, "-m", "sim", "scenarios"],
        cwd=tmp_path,
        env=_clean_env(PYTHONPATH=str(site_dir)),
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "cannot find the presets" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_the_built_wheel_installed_elsewhere_runs_a_preset(tmp_path):
    """`pip wheel .` then install into a fresh venv (dependencies seen through a .pth file
    pointing at this environment's site-packages: nothing is downloaded but the build
    backend) and run `python -m sim run guangdong` from another folder."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode != 0 and "setuptools" in build.stderr and "Could not find" in build.stderr:
        pytest.skip("no package index to fetch the build backend from")
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(wheels.glob("govsim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("sim/presets/")}
    assert {f.name for f in (ROOT / "scenarios").glob("*.toml")} <= shipped
    assert "sim/diffusion/provinces.csv" in names  # the provinces of the china preset (sim/diffusion/data.py)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    target = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    Path(target, "shared-deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env()
    r = subprocess.run(
        [python, "-c", "import sim; print(sim.__file__)"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0 and r.stdout.strip().startswith(target), (r.stdout, r.stderr)
    r = _run_preset(python, elsewhere, env)
    assert r.returncode == 0, r.stderr
    assert (elsewhere / "out" / "scenario.resolved.toml").is_file()
