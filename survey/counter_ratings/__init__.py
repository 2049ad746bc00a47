"""Counter ratings: quarterly and monthly summaries per counter, unit and province.

The blueprint carries the `survey counter-ratings` command (at the top level of
`survey`, because of ``cli_group=None``) and the staff pages under
/staff/counter-ratings.
"""

from flask import Blueprint

bp = Blueprint("counter_ratings", __name__, cli_group=None)

from survey.counter_ratings import commands, views  # noqa: E402,F401  (attach to bp)
