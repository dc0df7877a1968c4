"""open_data: public datasets open, `open_per_month` a month up to `max_share`."""

import numpy as np

from .conftest import activate, step, tiny


def test_activate_books_the_portal_and_each_step_opens_more_up_to_the_cap():
    m = tiny("open_data", open_per_month=0.3, max_share=0.8, cost=5.0)
    reform, changed = activate(m, "open_data")
    assert changed == {"fixed_costs"} and m.fixed_costs == {"open_data": 5.0}
    assert step(m, reform) == {"openness.share"}
    assert m.openness.share.tolist() == [0.3, 0.3, 0.3]
    step(m, reform)
    assert np.allclose(m.openness.share, 0.6)
    step(m, reform)
    assert m.openness.share.tolist() == [0.8, 0.8, 0.8]
    assert step(m, reform) == set()
