"""README's two commands are the ones CI runs: what a newcomer types is what is proven."""

from __future__ import annotations

import re
import shlex

from bot import PROJECT_ROOT


def two_commands() -> tuple[str, str]:
    """README's set-up command (what comes before `&& python -m bot ...`) and test command."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 2, "the section has one block to set up and run, one to test"
    setup_line, test_line = (block.strip().splitlines()[0] for block in blocks)
    install = setup_line.split("#", 1)[0].split("&&", 1)[0].strip()
    return install, test_line.split("#", 1)[0].strip()


def ci_lines() -> list[str]:
    script = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return [line.strip() for line in script.splitlines()]


def test_ci_runs_readmes_install_and_test_commands_as_written():
    install, test = two_commands()
    assert shlex.split(install)[:2] == ["pip", "install"]
    assert test == "python -m pytest"
    lines = ci_lines()
    assert install in lines, f"{install!r} is not a line of .ci/run"
    assert test in lines, f"{test!r} is not a line of .ci/run"


def test_readmes_install_brings_what_every_test_imports():
    """The extras README installs pull in the optional drivers the tests import."""
    import tomllib

    install, _ = two_commands()
    extras = re.search(r"\.\[([a-z,]+)\]", install)
    assert extras, install
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    optional = project["project"]["optional-dependencies"]
    wanted: set[str] = set()
    todo = extras.group(1).split(",")
    while todo:
        extra = todo.pop()
        for requirement in optional[extra]:
            nested = re.fullmatch(r"joldas\[([a-z,]+)\]", requirement)
            if nested:
                todo += nested.group(1).split(",")
            else:
                wanted.add(re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0].lower())
    assert {"pytest", "pytest-asyncio", "asyncpg", "redis"} <= wanted, wanted


def test_env_example_lists_every_setting_the_bot_reads():
    from bot.config import Settings

    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", example, flags=re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} == named


def test_readme_starts_with_a_quick_start_that_shows_how_to_be_staff():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.split("\n## ", 2)[1].startswith("Quick start")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    install, test = two_commands()
    for line in ("python3 -m venv .venv", ". .venv/bin/activate", install, test):
        assert line in quick
    assert "ADMIN_IDS=900 python -m bot console --user-id 900" in quick
