"""The course to take home, built with the site: ``downloads/lossedu-course.zip`` holds every
chapter notebook, the lossedu wheel and ``requirements.txt``; the wheel also sits beside it.
With ``LOSSEDU_HIDE_SOLUTIONS=1`` the notebooks offered (zip and each page's own link) carry
no solution cells.

The wheel is built from a copy of the package in a temporary folder (setuptools' build API),
so the build leaves no ``build/`` or ``.egg-info`` in the working tree.
"""

import json
import shutil
import tempfile
import tomllib
import zipfile
from contextlib import chdir
from pathlib import Path

import course_solutions
from setuptools import build_meta

ROOT = Path(__file__).parents[2]
BOOK = ROOT / "book"
DOWNLOADS = "downloads"
ZIP_PATH = f"{DOWNLOADS}/lossedu-course.zip"
PACKAGE_FILES = ("pyproject.toml", "README.md", "lossedu")


def wheel_name() -> str:
    """The wheel's file name, from pyproject.toml's name and version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return f"{project['name']}-{project['version']}-py3-none-any.whl"


def build_wheel(target: Path) -> Path:
    """Build the lossedu wheel into ``target``; its path."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    with tempfile.TemporaryDirectory() as tmp:
        for name in PACKAGE_FILES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, Path(tmp, name), ignore=ignore)
            else:
                shutil.copy2(source, tmp)
        with chdir(tmp):  # setuptools builds in the current folder
            name = build_meta.build_wheel(str(target.resolve()))
    return target / name


def chapters() -> list[Path]:
    return sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def shipped(notebook: Path) -> str:
    return course_solutions.shipped(notebook.read_text(encoding="utf-8"))


def build_zip(target: Path, wheel: Path) -> Path:
    """The zip of the chapter notebooks, the wheel and requirements.txt."""
    path = target / Path(ZIP_PATH).name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for notebook in chapters():
            archive.writestr(f"lossedu-course/{notebook.name}", shipped(notebook))
        archive.write(wheel, f"lossedu-course/{wheel.name}")
        archive.write(ROOT / "requirements.txt", "lossedu-course/requirements.txt")
    return path


def build_downloads(app, exception) -> None:
    """``build-finished``: the wheel and the zip into the site's ``downloads/``."""
    if exception or app.builder.format != "html":
        return
    target = Path(app.outdir) / DOWNLOADS
    target.mkdir(parents=True, exist_ok=True)
    build_zip(target, build_wheel(target))
    for copy in Path(app.outdir, "_sources").rglob("*.ipynb"):  # each page's own link
        text = course_solutions.shipped(copy.read_text(encoding="utf-8"))
        copy.write_text(text, encoding="utf-8")
        # Over file:// a browser shows a linked notebook instead of saving it (the download
        # attribute holds for the page's own origin only): course.js loads this script and
        # saves the notebook from memory.
        script = copy.with_name(copy.name + ".js")
        script.write_text(f"losseduSaveNotebook({json.dumps(copy.name)}, {json.dumps(text)});\n",
                          encoding="utf-8")


def setup(app) -> None:
    app.connect("build-finished", build_downloads)
