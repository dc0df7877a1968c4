"""The monthly processes, in the order `GovModel.step` runs them (docs/ODD.md §3):
demand → sharing → planning → operations; institutions (bureaus, companies, reforms) and
measurement follow in the model itself."""
