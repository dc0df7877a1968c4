"""Reform design: robust multi-objective search over reform bundles (`govsim design`) and
scenario discovery with PRIM (`govsim discover`)."""
