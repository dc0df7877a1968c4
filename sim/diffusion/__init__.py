"""China 2014-2024: the 31 provincial-level units adopt bodies and reforms by mechanism
(central mandates, learning, competition, emulation, capacity), each province running its
own within-province `GovModel` from its own adoption months. See docs/diffusion.md.

Heavy modules (the model, numba) load only when used: `from sim.diffusion.model import ChinaModel`.
"""
