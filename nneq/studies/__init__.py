"""Studies: one question asked of many settings and seeds at once.

A study file names base settings (as a run file does), axes to vary and how many seeds to
train in each cell of the grid. Each cell is one stacked sweep (`nneq.sweeps`), so its members
are exactly the networks `nneq train --seed SEED-k` would make. The package splits the study
into cells and nothing more: the cells run on a process pool or a Dask cluster, and their
statistics, paired comparisons, tables and picture are made from the results.

Modules, in the order data flows through them: `studyfile` (reading and checking a study
file), `grid` (its cells), `cell` (running one cell), `statistics` (one cell's numbers),
`paired` (per-seed differences between cells), `execution` (running every cell, resuming from
`--out`), `render` (text, Markdown, JSON) and `picture`.
"""
