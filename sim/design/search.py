"""The search driver: pymoo NSGA-II/III in ask-and-tell form, resumable per generation.

Each generation's candidates (their unit-cube points `x:i`), objectives `F:j` (to minimise),
constraint values `G:k` (feasible when <= 0) and whatever the evaluator adds (lever values,
robustness columns) are saved atomically to `DIR/generations/gen-NNNN.parquet` before the
algorithm is told them. A killed search resumes by *replaying*: the algorithm restarts from
its seed, asks for generation 1, gets the saved values instead of new runs, and so on up to
the last saved generation; pymoo draws from its own seeded generator only, so the replay
asks for exactly the same points (checked) and the final front is identical to an
uninterrupted search's. Nothing is pickled: a pymoo upgrade cannot strand a folder.

The evaluator is any callable `evaluate(generation, X) -> DataFrame` with one row per row
of X: the same driver runs the toy problems of the tests and the model.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import write_atomic

Evaluate = Callable[[int, np.ndarray], pd.DataFrame]


def make_algorithm(name: str, n_obj: int, population: int):
    """NSGA-II, or NSGA-III with Das-Dennis reference directions (as many as fit the population)."""
    if name == "nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(pop_size=population)
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.util.ref_dirs import get_reference_directions

    partitions = 1
    while _das_dennis_count(n_obj, partitions + 1) <= population:
        partitions += 1
    ref_dirs = get_reference_directions("das-dennis", n_obj, n_partitions=partitions)
    return NSGA3(ref_dirs=ref_dirs, pop_size=population)


def _das_dennis_count(n_obj: int, partitions: int) -> int:
    from math import comb

    return comb(n_obj + partitions - 1, partitions)


def _shell(n_var: int, n_obj: int, n_constr: int):
    from pymoo.core.problem import Problem

    return Problem(n_var=n_var, n_obj=n_obj, n_ieq_constr=n_constr, xl=0.0, xu=1.0)


def cols(prefix: str, n: int) -> list[str]:
    return [f"{prefix}:{i}" for i in range(n)]


def generation_file(folder: Path, gen: int) -> Path:
    return folder / "generations" / f"gen-{gen:04d}.parquet"


def run_search(
    evaluate: Evaluate,
    folder: Path,
    *,
    n_var: int,
    n_obj: int,
    n_constr: int,
    algorithm: str = "nsga2",
    population: int = 24,
    generations: int = 10,
    seed: int = 1,
    progress: bool = True,
    on_generation: Callable[[int, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """Run (or resume) the search; return every generation's candidate table, concatenated."""
    from pymoo.core.evaluator import Evaluator
    from pymoo.problems.static import StaticProblem

    problem = _shell(n_var, n_obj, n_constr)
    algo = make_algorithm(algorithm, n_obj, population)
    algo.setup(problem, termination=("n_gen", generations), seed=seed, verbose=False)
    tables = []
    t0 = time.perf_counter()
    for gen in range(1, generations + 1):
        pop = algo.ask()
        X = pop.get("X")
        table, replayed = _generation(evaluate, folder, gen, X)
        F = table[cols("F", n_obj)].to_numpy(float)
        static = {"F": F}
        if n_constr:
            static["G"] = table[cols("G", n_constr)].to_numpy(float)
        Evaluator().eval(StaticProblem(problem, **static), pop)
        algo.tell(infills=pop)
        tables.append(table)
        if on_generation is not None:
            on_generation(gen, table)
        if progress:
            _progress(gen, generations, table, tables, n_obj, n_constr, replayed, t0)
    return pd.concat(tables, ignore_index=True)


def _generation(evaluate: Evaluate, folder: Path, gen: int, X: np.ndarray) -> tuple[pd.DataFrame, bool]:
    """A generation's table: the saved one (a resumed search; its points must be the ones
    asked for), or a new evaluation, saved before the algorithm sees it."""
    path = generation_file(folder, gen)
    xcols = cols("x", X.shape[1])
    if path.exists():
        table = pd.read_parquet(path)
        if table.shape[0] != X.shape[0] or not np.array_equal(table[xcols].to_numpy(float), X):
            raise RuntimeError(
                f"{path}: the saved generation is not the one the search asks for (another design, "
                "or another pymoo); use --force to start again"
            )
        return table, True
    table = evaluate(gen, X).reset_index(drop=True)
    table.insert(0, "generation", gen)
    for i, c in enumerate(xcols):
        table.insert(1 + i, c, X[:, i])
    write_atomic(path, lambda p: table.to_parquet(p, index=False))
    return table, False


def _progress(gen, generations, table, tables, n_obj, n_constr, replayed, t0) -> None:
    everything = pd.concat(tables, ignore_index=True)
    front = pareto_rows(everything, n_obj, n_constr)
    how = "replayed from disk" if replayed else f"{time.perf_counter() - t0:.0f} s elapsed"
    print(
        f"generation {gen}/{generations}: {len(table)} candidates, {int(feasible(table, n_constr).sum())} "
        f"feasible; front so far {len(front)} design(s); {how}",
        file=sys.stderr,
    )


def feasible(table: pd.DataFrame, n_constr: int) -> np.ndarray:
    if not n_constr:
        return np.ones(len(table), dtype=bool)
    return (table[cols("G", n_constr)].to_numpy(float) <= 0).all(axis=1)


def non_dominated(F: np.ndarray) -> np.ndarray:
    """Mask of the rows of F (minimised) that no other row dominates."""
    n = len(F)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        others = np.delete(F, i, axis=0)
        dominated = np.any(np.all(others <= F[i], axis=1) & np.any(others < F[i], axis=1))
        keep[i] = not dominated
    return keep


def pareto_rows(everything: pd.DataFrame, n_obj: int, n_constr: int) -> pd.DataFrame:
    """The non-dominated feasible candidates of all generations, one row per bundle (its
    first evaluation); when none is feasible, the least infeasible ones."""
    unique = everything.drop_duplicates(subset=["bundle"]) if "bundle" in everything else everything
    unique = unique.drop_duplicates(subset=cols("F", n_obj))
    ok = feasible(unique, n_constr)
    if not ok.any() and n_constr:
        violation = unique[cols("G", n_constr)].clip(lower=0).sum(axis=1)
        return unique[violation == violation.min()].reset_index(drop=True)
    pool = unique[ok]
    F = pool[cols("F", n_obj)].to_numpy(float)
    return pool[non_dominated(F)].reset_index(drop=True)
