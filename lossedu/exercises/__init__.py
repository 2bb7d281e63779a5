"""The exercise checker: grade a student's loss function, name the mistake, survive any code.

In a notebook::

    from lossedu import check
    report = check("cross_entropy", my_cross_entropy)

prints a short report in Chinese and English (an HTML table in Jupyter) and returns it, with
``report.passed`` and ``report.score``. :data:`EXERCISES` lists the exercises; the id is the
name of the lossedu function asked for, and the student's function takes its arguments.
From a shell, ``python -m lossedu check FILE`` grades a notebook or a .py file and
``python -m lossedu grade DIR --out grades.csv`` a whole class.
"""

from lossedu.checker.grading import case_args, check  # noqa: I001 (the catalogue first)
from lossedu.checker.report import CaseResult, Report
from lossedu.exercises.catalog import EXERCISES

__all__ = ["check", "EXERCISES", "Report", "CaseResult", "case_args"]
