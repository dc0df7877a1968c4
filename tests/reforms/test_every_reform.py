"""Every registered reform has its unit test module here (docs/adding-a-reform.md)."""

from pathlib import Path

from sim.reforms import REGISTRY

from .conftest import changes, snapshot, tiny


def test_every_reform_has_a_unit_test_module():
    here = Path(__file__).parent
    missing = [key for key in REGISTRY if not (here / f"test_{key}.py").is_file()]
    assert not missing, f"add tests/reforms/test_<key>.py for {missing}"


def test_an_enabled_reform_changes_nothing_before_it_activates():
    """Built with a reform enabled, the world before its start month is the baseline's
    (only what `prepare` declares differs)."""
    base = snapshot(tiny())
    for key in REGISTRY:
        differs = changes(base, snapshot(tiny(key)))
        assert differs <= {"platforms.planned"}, (key, differs)


def test_the_model_names_no_reform_and_keeps_to_construction_and_the_step():
    """Adding a reform is one module: GovModel knows reforms only through the registry
    and the institutions' neutral structures (docs/adding-a-reform.md)."""
    import sim.model

    text = Path(sim.model.__file__).read_text(encoding="utf-8")
    assert not [key for key in REGISTRY if key in text]
    assert len(text.splitlines()) <= 300


class _Unread:
    """An outcome that fails when read."""

    def __getattr__(self, name: str):
        raise AssertionError(f"activation read outcome.{name}")


def test_no_reform_activation_reads_the_outcome():
    """The step serves demand once after every reform due that month has activated (GovModel.step):
    the same as after each only while no activation reads the outcome."""
    from sim.institutions import ensure_coordinator

    from .conftest import reform_of

    for key in REGISTRY:
        m = tiny(key)
        reform = reform_of(m, key)
        m.outcome = _Unread()
        reform.active = True
        if reform.needs_coordinator:
            ensure_coordinator(m)
        reform.activate(m)
