"""Every behavioural parameter says where its value comes from (a seed section, literature with a
year) or that it is assumed, in its comment in the scenario file; and the shipped sensitivity
experiment screens every assumed parameter of the baseline against every headline measure."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sim.scenario import scenarios_dir

SOURCED = re.compile(r"seed|assumed|\b(19|20)\d\d\b", re.IGNORECASE)
ROOT = Path(__file__).resolve().parent.parent
KEY_LINE = re.compile(r"^(\w+)\s*=\s*(.*)$")
NOT_BEHAVIOURAL = {"enabled", "start_month"}  # switches and calendar, set per scenario


def _comment(value_and_comment: str) -> str:
    """The comment of a `key = value  # comment` line (a `#` inside a string is not one)."""
    quoted = False
    for i, ch in enumerate(value_and_comment):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return value_and_comment[i + 1 :].strip()
    return ""


def parameters(path: Path) -> list[tuple[str, str, object]]:
    """(table.key, comment, value) of every key line of a scenario file, parsed with its comment."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out, table = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^\[([^\]]+)\]", line):
            table = m.group(1)
            continue
        if not table or not (m := KEY_LINE.match(line)):
            continue
        key = m.group(1)
        node = data
        for part in table.split("."):
            node = node.get(part, {})
        if key in node:
            out.append((f"{table}.{key}", _comment(m.group(2)), node[key]))
    return out


def _numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, list) and value:
        return all(_numeric(v) for v in value)
    if isinstance(value, dict) and value:
        return all(_numeric(v) for v in value.values())
    return False


def unsourced(path: Path, tables: tuple[str, ...]) -> list[str]:
    return [
        f"{path.name}: {key} (comment: {comment!r})"
        for key, comment, value in parameters(path)
        if key.startswith(tables) and key.rsplit(".", 1)[-1] not in NOT_BEHAVIOURAL and _numeric(value)
        if not SOURCED.search(comment)
    ]


def test_the_parser_reads_comments_and_catches_a_missing_source(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text(
        '[agents]\na = 1.0   # from seed 001 §2\nb = 2.0   # nothing here\nc = "x#y"  # assumed\n'
        "d = [1, 2]  # Arthur 1989\n[reforms.r]\nenabled = true\ne = 3  # a value\n",
        encoding="utf-8",
    )
    assert {k: c for k, c, _ in parameters(p)}["agents.c"] == "assumed"
    assert unsourced(p, ("agents.", "reforms.")) == [
        "x.toml: agents.b (comment: 'nothing here')",
        "x.toml: reforms.r.e (comment: 'a value')",
    ]


def test_every_agents_parameter_of_the_baseline_has_a_source_or_says_assumed():
    path = scenarios_dir() / "baseline.toml"
    agents = [k for k, _, _ in parameters(path) if k.startswith("agents.")]
    assert len(agents) == len(tomllib.loads(path.read_text(encoding="utf-8"))["agents"])  # every key was parsed
    assert unsourced(path, ("agents.",)) == []


def test_every_behavioural_parameter_of_the_baseline_has_a_source_or_says_assumed():
    assert unsourced(scenarios_dir() / "baseline.toml", ("agents.", "government.", "reforms.")) == []


@pytest.mark.parametrize("name", sorted(p.stem for p in scenarios_dir().glob("*.toml")))
def test_presets_overriding_agents_or_reform_values_say_where_from(name):
    assert unsourced(scenarios_dir() / f"{name}.toml", ("agents.", "reforms.")) == []
