"""Keep generated parts of the documentation true to the code.

`python -m sim.docs` rewrites the measures table between the `<!-- measures:start -->`
and `<!-- measures:end -->` markers of docs/ODD.md and README.md from `MEASURES`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .measures import MEASURES

MARKERS = re.compile(r"(<!-- measures:start -->\n)(.*?)(<!-- measures:end -->)", re.S)
ROOT = Path(__file__).resolve().parent.parent
FILES = (ROOT / "docs" / "ODD.md", ROOT / "README.md")


def measures_table() -> str:
    rows = ["| measure | unit | definition |", "|---|---|---|"]
    rows += [f"| `{name}` | {m.unit} | {m.definition} |" for name, m in MEASURES.items()]
    return "\n".join(rows) + "\n"


def refresh(text: str) -> str:
    return MARKERS.sub(lambda m: m.group(1) + measures_table() + m.group(3), text)


def main() -> int:
    for path in FILES:
        if path.exists():
            path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
            print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
