"""The checker's report: plain text for print, an HTML table for Jupyter, a dict for JSON.

Every line comes in Chinese and in English. The text is deterministic (no timings, paths or
addresses), so a notebook can store a report as an output and nbval can compare it.
"""

import html
import sys
import unicodedata
from dataclasses import dataclass, field

from lossedu.checker.texts import REPORT, say

MAX_DETAILS = 3  # detail blocks shown: the first failing case of each distinct reason


@dataclass
class CaseResult:
    """How one case went.

    Attributes:
        n: the case's number, from 1.
        label: its short name; ``call``: the call in one line.
        passed: whether values (and gradients, where compared) match the reference.
        status: a key of :data:`lossedu.checker.texts.STATUS`.
        short: the status in both languages.
        details: sentences ``(zh, en)`` saying what went wrong.
        expected, got: the numbers that differ, language-neutral ("out[1] = 0.5").
        hint: the mistake recognised, or what the status suggests, ``(zh, en)``.
        label_zh: the label in Chinese, where it has words.
    """

    n: int
    label: str
    call: str
    passed: bool
    status: str
    short: tuple[str, str]
    details: list[tuple[str, str]] = field(default_factory=list)
    expected: str | None = None
    got: str | None = None
    hint: tuple[str, str] | None = None
    label_zh: str | None = None

    @property
    def name(self) -> str:
        """The label as the text report shows it: ``中文 · English`` where it has words."""
        return f"{self.label_zh} · {self.label}" if self.label_zh else self.label

    def to_dict(self) -> dict:
        return {"n": self.n, "label": self.label, "label_zh": self.label_zh, "call": self.call,
                "passed": self.passed,
                "status": self.status, "short": list(self.short),
                "details": [list(d) for d in self.details], "expected": self.expected,
                "got": self.got, "hint": list(self.hint) if self.hint else None}


@dataclass
class Report:
    """The result of :func:`lossedu.exercises.check`: ``passed``, ``score`` (the fraction of
    cases passed) and ``cases``; ``error`` when the check could not run at all."""

    exercise: str
    cases: list[CaseResult] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    error: tuple[str, str] | None = None
    function: str = "fn"
    not_attempted: bool = False  # every case raised NotImplementedError: a stub, untouched
    _shown_in: int | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.cases) and all(c.passed for c in self.cases)

    @property
    def score(self) -> float:
        if self.error is not None or not self.cases:
            return 0.0
        return sum(c.passed for c in self.cases) / len(self.cases)

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "function": self.function, "passed": self.passed,
                "score": self.score, "error": list(self.error) if self.error else None,
                "notes": [list(n) for n in self.notes], "not_attempted": self.not_attempted,
                "cases": [c.to_dict() for c in self.cases]}

    # --- what to show ---------------------------------------------------------------------

    def _title(self) -> tuple[str, str]:
        passed = sum(c.passed for c in self.cases)
        return say(REPORT, "title", passed=passed, total=len(self.cases))

    def _shown_failures(self) -> list[CaseResult]:
        """The first failing case of each distinct reason, at most MAX_DETAILS of them."""
        shown, reasons = [], set()
        for case in self.cases:
            reason = (case.status, case.hint)
            if not case.passed and reason not in reasons and len(shown) < MAX_DETAILS:
                reasons.add(reason)
                shown.append(case)
        return shown

    def _detail_lines(self, case: CaseResult) -> list[tuple[str | None, str, str | None]]:
        """A failing case in lines ``(label, text, language)``: a label of None continues the
        text; the language is "zh", "en", or None for a line that is the same in both."""
        lines: list[tuple[str | None, str, str | None]] = [("call", case.call, None)]
        for zh, en in case.details:
            lines += [(None, zh, None)] if zh == en else [(None, zh, "zh"), (None, en, "en")]
        if case.expected is not None:
            lines += [("expected", case.expected, None), ("got", case.got, None)]
        if case.hint:
            lines += [("hint_zh", case.hint[0], "zh"), ("hint_en", case.hint[1], "en")]
        lines.append(("reproduce", f"{self.function}(**lossedu.exercises.case_args("
                                   f"{self.exercise!r}, {case.n}))", None))
        return lines

    @staticmethod
    def _label(key: str) -> str:
        if key == "hint_zh":
            return REPORT["hint"][0] + "："
        if key == "hint_en":
            return REPORT["hint"][1] + ": "
        zh, en = REPORT[key]
        return f"{zh} · {en}: "

    def __str__(self) -> str:
        if self.not_attempted:
            return f"{self.exercise}：{self.error[0]} · {self.error[1]}"
        if self.error is not None:
            return f"{self.exercise}\n  {self.error[0]}\n  {self.error[1]}"
        zh, en = self._title()
        out = [f"{self.exercise}：{zh} · {en}"]
        width = max(_width(c.name) for c in self.cases)
        for c in self.cases:
            mark = "✓" if c.passed else "✗"
            status = "" if c.passed else f"  {c.short[0]} · {c.short[1]}"
            padding = " " * (width - _width(c.name))
            out.append(f"  {mark} {c.n:>2}  {c.name}{padding}{status}".rstrip())
        for case in self._shown_failures():
            zh, en = REPORT["case"]
            out.append(f"{zh.format(n=case.n)} · {en.format(n=case.n)}: {case.name}")
            for key, text, _ in self._detail_lines(case):
                out.append(f"  {self._label(key) if key else ''}{text}")
        out += [line for note in self.notes for line in dict.fromkeys(note)]
        return "\n".join(out)

    def __repr__(self) -> str:
        passed = sum(c.passed for c in self.cases)
        return f"<Report {self.exercise}: {passed}/{len(self.cases)} passed>"

    def _repr_html_(self) -> str:
        """The report as an HTML table. Each language is marked (``lang-zh``, ``lang-en``):
        the course's site shows the reader's language only, JupyterLab shows both."""
        e = html.escape
        if self.not_attempted:
            return (f"<div class='lossedu-check'><p><b>{e(self.exercise)}</b>: "
                    f"{_both(*self.error)}</p></div>")
        if self.error is not None:
            return (f"<div class='lossedu-check'><p><b>{e(self.exercise)}</b></p>"
                    f"<p>{_both(*self.error, '<br>')}</p></div>")
        rows = []
        for c in self.cases:
            color = "#1a7f37" if c.passed else "#c62828"
            mark = "✓" if c.passed else "✗"
            rows.append(f"<tr><td>{c.n}</td><td>{_label_html(c)}</td>"
                        f"<td style='color:{color}'>{mark} {_both(*c.short)}</td></tr>")
        head = "".join(f"<th>{_both(*REPORT[key])}</th>" for key in
                       ("column_case", "column_result"))
        parts = [f"<div class='lossedu-check'><p><b>{e(self.exercise)}</b>: "
                 f"{_both(*self._title())}</p>",
                 f"<table><thead><tr><th>#</th>{head}</tr></thead>"
                 f"<tbody>{''.join(rows)}</tbody></table>"]
        for case in self._shown_failures():
            czh, cen = REPORT["case"]
            lines = [f"<div><b>{_both(czh.format(n=case.n), cen.format(n=case.n))}</b>: "
                     f"{_label_html(case)}</div>"]
            for key, text, lang in self._detail_lines(case):
                code = key in ("call", "expected", "got", "reproduce")
                label = f"{_both(*REPORT[key])}: " if code else e(self._label(key)) if key else ""
                marked = f" class='lang-{lang}'" if lang else ""
                lines.append(f"<div{marked}>{label}"
                             f"{f'<code>{e(text)}</code>' if code else e(text)}</div>")
            parts.append(f"<div class='lossedu-case'>{''.join(lines)}</div>")
        for zh, en in self.notes:
            parts.append(f"<p>{_both(zh, en, '<br>')}</p>")
        parts.append("</div>")
        return "".join(parts)

    def _ipython_display_(self) -> None:
        shell = _ipython()
        if shell is not None and self._shown_in == shell.execution_count:
            return  # check() has shown it in this cell already: the cell's value adds nothing
        _publish(self)


def _width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _label_html(case: CaseResult) -> str:
    """A case's label: code, or words in each language."""
    if case.label_zh:
        return _both(case.label_zh, case.label)
    return f"<code>{html.escape(case.label)}</code>"


def _both(zh: str, en: str, between: str = " · ") -> str:
    """``zh · en`` in HTML, each language in its own span; one text if both are the same."""
    zh, en = html.escape(zh), html.escape(en)
    if zh == en:
        return zh
    return (f"<span class='lang-zh'>{zh}</span><span class='lang-sep'>{between}</span>"
            f"<span class='lang-en'>{en}</span>")


def _ipython():
    """The running IPython shell, or None (IPython is never imported here)."""
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def _publish(report: Report) -> None:
    from IPython.display import display

    display({"text/plain": str(report), "text/html": report._repr_html_()}, raw=True)


def show(report: Report) -> None:
    """Print the report, or display it as HTML (with the text beside) under IPython."""
    shell = _ipython()
    if shell is None:
        print(report)
        return
    _publish(report)
    report._shown_in = shell.execution_count
