"""The benchmark harness (not the speed: that is `make bench`'s job)."""

import json

from benchmarks.bench import main, scaling_exponent
from benchmarks.cases import national_sizes


def test_bench_writes_the_table_and_results_with_machine_facts(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["--only", "boltzmann", "govsim_10k", "--repeat", "1", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert {"python", "numpy", "mesa", "cores"} <= set(res["machine"])
    rows = {r["case"]: r for r in res["cases"]}
    assert rows["boltzmann"]["agents"] == rows["govsim_10k"]["agents"] == 10_000
    assert rows["boltzmann"]["ratio_vs_mesa"] == 1.0
    expect = rows["boltzmann"]["us_per_agent_step"] / rows["govsim_10k"]["us_per_agent_step"]
    assert abs(rows["govsim_10k"]["ratio_vs_mesa"] - expect) < 0.01
    assert "cost_per_agent_step_vs_mesa_boltzmann" in res["checks"]
    assert {"numba", "date"} <= set(res["machine"])
    assert rows["govsim_10k"]["warmup_s"] > 0 and rows["boltzmann"]["warmup_s"] > 0
    printed = capsys.readouterr().out
    assert "govsim_10k" in printed and "agent-steps/s" in printed


def test_scaling_exponent_reads_the_slope_of_log_time_on_log_size():
    rows = [{"agents": n, "steps": 10, "seconds": 1e-5 * n**1.0} for n in (1000, 2000, 4000, 8000)]
    assert abs(scaling_exponent(rows) - 1.0) < 1e-9
    rows = [{"agents": n, "steps": 10, "seconds": 1e-9 * n**2} for n in (1000, 2000, 4000, 8000)]
    assert abs(scaling_exponent(rows) - 2.0) < 1e-9


def test_national_sizes_keep_the_tree_shape():
    assert national_sizes(1.0) == [1, 31, 333, 2844]
    assert national_sizes(0.5) == [1, 16, 166, 1422]


def test_phases_times_every_process_of_the_step(capsys):
    from benchmarks.phases import main as phases

    phases(["baseline", "--steps", "3", "--set", "reforms.unified_approval.enabled=true"])
    out = capsys.readouterr().out
    for phase in ("plan", "decide", "serve", "operate", "complete_and_expire", "compute_measures"):
        assert phase in out
    assert "reform unified_approval" in out and "µs a month" in out
    import sim.processes.planning

    assert sim.processes.planning.plan.__module__ == "sim.processes.planning"  # timers removed


def test_whole_run_references_have_as_many_agents_as_the_presets():
    """Each whole run is compared with a Boltzmann model of its preset's size: a preset that
    grows (0.2.0: 55 lines a government) must not be compared with a smaller reference."""
    from benchmarks.bench import CASES, WHOLE_AGENTS
    from sim.scenario import load_spec

    for preset, n in WHOLE_AGENTS.items():
        government = load_spec(preset)[0].government
        assert sum(government.sizes) * len(government.lines) == n, preset
        assert f"boltzmann_{n}" in CASES and f"whole_{preset}" in CASES


def test_kernel_timers_list_the_step_kernels_and_leave_them_as_they_were(capsys):
    import sim.processes.planning
    from benchmarks.kernels import main as kernels

    before = sim.processes.planning._proposals
    kernels(["baseline", "--sizes", "1", "2", "4", "--runs", "1", "--months", "31", "--hot"])
    out = capsys.readouterr().out
    assert "µs in kernels" in out and "planning._proposals" in out and "demand._serve" in out
    assert sim.processes.planning._proposals is before  # wrappers removed


def test_whole_run_cpu_prints_the_best_run(capsys):
    from benchmarks.whole_cpu import main as whole_cpu

    whole_cpu(["baseline", "--sizes", "1", "2", "4", "--runs", "2"])
    assert "whole run CPU best" in capsys.readouterr().out


def test_phase_cpu_prints_every_phase_and_removes_its_wrappers(capsys):
    import sim.model as M
    from benchmarks.phase_cpu import main as phase_cpu

    before = (M.demand.serve, M.planning.plan, M.compute_measures)
    phase_cpu(["baseline", "--sizes", "1", "2", "4", "--runs", "1"])
    out = capsys.readouterr().out
    assert all(f"{p}=" in out for p in ("serve", "decide", "plan", "operate", "measures", "month"))
    assert (M.demand.serve, M.planning.plan, M.compute_measures) == before


def test_ops_cpu_sums_operations_parts_and_removes_its_wrappers(capsys):
    import sim.model as M
    from benchmarks.ops_cpu import main as ops_cpu

    before = (M.operations.operate, M.operations.complete_and_expire, M.apps.adopt)
    ops_cpu(["baseline", "--sizes", "1", "2", "4", "--runs", "1"])
    figures = dict(kv.split("=") for kv in capsys.readouterr().out.split() if "=" in kv)
    parts = float(figures["operate"]) + float(figures["complete_and_expire"]) + float(figures.get("adopt", 0))
    assert abs(float(figures["ops"]) - parts) < 0.2 and float(figures["month"]) > float(figures["ops"]) > 0
    assert (M.operations.operate, M.operations.complete_and_expire, M.apps.adopt) == before


def test_the_sweep_fit_splits_start_up_from_the_cost_per_run_and_projects_10k(capsys):
    """Two sweep sizes on a line: intercept = start-up, slope = steady cost per run; the
    10,000-run projection is intercept + 10,000 x slope, and is labelled as projected."""
    from benchmarks.bench import sweep_fit_lines
    from benchmarks.sweep_speed import _fit

    # start-up 3 s wall, 4 CPU s; 20 ms wall and 40 CPU ms a run
    ours = _fit("", [3 + 100 * 0.02, 4 + 100 * 0.04], [3 + 400 * 0.02, 4 + 400 * 0.04], 100, 400)
    assert ours == {
        "wall_ms_per_run": 20.0,
        "wall_start_s": 3.0,
        "wall_s_10k": 203.0,
        "cpu_ms_per_run": 40.0,
        "cpu_start_s": 4.0,
        "cpu_s_10k": 404.0,
    }
    ref = _fit("reference_", [2 + 100 * 0.03, 2 + 100 * 0.06], [2 + 400 * 0.03, 2 + 400 * 0.06], 100, 400)
    assert ref["reference_cpu_ms_per_run"] == 60.0 and ref["reference_wall_s_10k"] == 302.0
    text = sweep_fit_lines(
        {
            "fit_runs": [100, 400],
            **ours,
            **ref,
            "wall_s_10k_ratio_vs_reference": 0.672,
            "cpu_s_10k_ratio_vs_reference": 0.66,
        }
    )
    assert "projected, not measured" in text and "govsim: start-up 3.0 s wall" in text
    assert "reference: start-up 2.0 s wall" in text and "time ratio 0.672" in text


def test_kernel_ab_times_both_versions_and_leaves_the_kernel_as_it_was(capsys):
    """The other checkout here is this one: both versions run on the same arguments and the kernel is put back."""
    from pathlib import Path

    import sim.processes.sharing
    from benchmarks.kernel_ab import main as kernel_ab

    before = sim.processes.sharing._decide
    root = str(Path(__file__).resolve().parents[1])
    kernel_ab(["sim.processes.sharing", "_decide", "--other", root, "--sizes", "1", "2", "4", "--runs", "1"])
    out = capsys.readouterr().out
    assert "sharing._decide, 60 calls: this" in out and "other (" in out
    assert sim.processes.sharing._decide is before
