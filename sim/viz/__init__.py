"""Interactive browser visualization (`govsim viz`): a Mesa SolaraViz page with the
reform switches, a network view that stays readable at province size, and live charts."""
