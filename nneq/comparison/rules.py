"""The rules that read a formula off a predicted unit's signed links, by name.

Only names and descriptions live here, so that the command line lists them without loading
numpy; `nneq.comparison.compare.RULES` holds the functions, under the same names.
"""

from __future__ import annotations

RULES = {
    "overlap": "positive links unite their sources' regions; negative links intersect the result "
               "with the complement of theirs: (a or b) and not c",
}
