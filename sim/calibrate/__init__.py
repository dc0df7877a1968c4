"""Calibration: facts from the sources as targets (experiments/targets.toml), ABC-SMC with
pyabc over the assumed behavioural parameters, validation on held-out facts, and posterior
draws for sweeps (`govsim sweep --posterior DIR`). See docs/calibration.md."""
