"""The README stays true: its problem table is the vocabulary, every CLI option and output is documented."""

from pathlib import Path

from dagster_project.cli import build_parser
from subsidy.columns import EXCEPTION_COLUMNS, SUMMARY_COLUMNS
from subsidy.intake.parsed import REASONS
from subsidy.problems import kinds_markdown

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_problem_table_is_generated_from_the_vocabulary():
    assert kinds_markdown() in README


def test_every_command_and_option_is_documented():
    commands = build_parser()._subparsers._group_actions[0].choices
    assert set(commands) == {"run", "publish", "posted", "status", "verify", "verify-notice"}
    for name, command in commands.items():
        assert f"subsidy {name}" in README, name
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in README, option


def test_output_columns_and_row_reasons_are_documented():
    assert ",".join(SUMMARY_COLUMNS) in README
    assert ",".join(EXCEPTION_COLUMNS) in README
    for reason in REASONS:
        if reason != "household":
            assert reason in README, reason


def test_the_layout_in_the_readme_is_the_packages_own():
    """The README's layout of subsidy/ is made from the packages and their docstrings (python -m tests.layout_doc)."""
    from tests.layout_doc import layout_text

    assert layout_text() in README, "the README's layout is stale: run python -m tests.layout_doc"
