"""For the teacher: a feedback page per student to hand back, and a class summary page.

Both are self-contained HTML files in both languages (a button switches them); the summary's
plots are inline SVG drawn by matplotlib: the pass rate per exercise and the score histogram,
with a table of the mistakes most often made per exercise and a list of the submissions to look
at (built-ins called, limits hit, crashes).
"""

import html
import io
import re
from collections import Counter
from pathlib import Path

PAGE = """<!DOCTYPE html>
<html lang="zh-Hans" data-lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 60rem;
       margin: 1rem auto; padding: 0 1rem; line-height: 1.5; }}
html[data-lang=zh] .lang-en, html[data-lang=en] .lang-zh, .lang-sep {{ display: none; }}
table {{ border-collapse: collapse; }} svg {{ max-width: 100%; height: auto; }}
td, th {{ border: 1px solid #999; padding: .2rem .5rem; text-align: left; }}
.bad {{ color: #b3261e; }}
</style></head><body>
<p><button onclick="var h=document.documentElement;h.dataset.lang=h.dataset.lang=='zh'?'en':'zh';
h.lang=h.dataset.lang=='zh'?'zh-Hans':'en'">中文 / English</button></p>
{body}</body></html>
"""


def both(zh: str, en: str) -> str:
    return (f"<span class='lang-zh' lang='zh-Hans'>{html.escape(zh)}</span>"
            f"<span class='lang-en' lang='en'>{html.escape(en)}</span>")


def student_page(submission) -> str:
    """One student's feedback: each exercise, each case, what was expected, the hint."""
    e = html.escape
    parts = [f"<h1>{e(submission.name)}</h1>",
             f"<p>{both('状态', 'Status')}: <code>{e(submission.status)}</code> · "
             f"{both('隔离', 'Isolation')}: <code>{e(submission.isolation)}</code></p>"]
    parts += [f"<p class='bad'>{both(zh, en)}</p>" for zh, en in submission.problems]
    for exercise_id, report in submission.reports.items():
        parts += [f"<h2>{e(exercise_id)}: {report.score:.0%}</h2>", report._repr_html_()]
    if not submission.reports:
        parts.append(f"<p>{both('没有评分的答案。', 'No answer was graded.')}</p>")
    return PAGE.format(title=e(submission.name), body="".join(parts))


def summary_page(submissions, exercises: list[str]) -> str:
    """The class at a glance."""
    e = html.escape
    n = len(submissions)
    parts = [f"<h1>{both('全班概览', 'Class summary')}</h1>",
             f"<p>{both(f'共 {n} 份提交', f'{n} submissions')}</p>",
             f"<h2>{both('各练习通过率', 'Pass rate per exercise')}</h2>",
             _bars(exercises, [100 * _rate(submissions, x) for x in exercises]),
             f"<h2>{both('总分分布', 'Score histogram')}</h2>",
             _histogram([sum(r.score for r in s.reports.values()) for s in submissions]),
             f"<h2>{both('最常见的错误', 'Mistakes made most often')}</h2><table>"]
    for exercise_id in exercises:
        for (zh, en), count in _mistakes(submissions, exercise_id).most_common(3):
            parts.append(f"<tr><td><code>{e(exercise_id)}</code></td><td>{count}</td>"
                         f"<td>{both(zh, en)}</td></tr>")
    parts.append(f"</table><h2>{both('需要查看的提交', 'Submissions to look at')}</h2><ul>")
    for s in submissions:
        if s.flags:
            parts.append(f"<li><a href='{e(_slug(s.name))}.html'>{e(s.name)}</a>: "
                         f"{e(', '.join(s.flags))}</li>")
    parts.append("</ul>")
    return PAGE.format(title="lossedu", body="".join(parts))


def write_feedback(submissions, folder: Path) -> Path:
    """Write a page per student and ``index.html`` (the summary) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    exercises = list(dict.fromkeys(x for s in submissions for x in s.reports))
    for s in submissions:
        (folder / f"{_slug(s.name)}.html").write_text(student_page(s), encoding="utf-8")
    index = folder / "index.html"
    index.write_text(summary_page(submissions, exercises), encoding="utf-8")
    return index


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:100]


def _rate(submissions, exercise_id: str) -> float:
    passed = sum(exercise_id in s.reports and s.reports[exercise_id].passed for s in submissions)
    return passed / len(submissions) if submissions else 0.0


def _mistakes(submissions, exercise_id: str) -> Counter:
    counts = Counter()
    for s in submissions:
        report = s.reports.get(exercise_id)
        if report:
            counts.update({c.hint for c in report.cases if not c.passed and c.hint})
    return counts


def _svg(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _bars(labels: list[str], percents: list[float]) -> str:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 0.3 * len(labels) + 1))
    axes.barh(labels, percents)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% passed")
    axes.invert_yaxis()
    return _svg(figure)


def _histogram(totals: list[float]) -> str:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 2.5))
    axes.hist(totals, bins=10)
    axes.set_xlabel("total score")
    axes.set_ylabel("submissions")
    return _svg(figure)
