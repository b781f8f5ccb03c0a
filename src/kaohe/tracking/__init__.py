"""Through the year: the assessment history (history.py), progress over the recorded periods (progress.py)
and the comparison of two assessments (compare.py) — pure functions over recorded reports, and SQLite."""
