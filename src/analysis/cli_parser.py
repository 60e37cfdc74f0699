"""The command line's parser, in the language of the messages.

One language rule for every command: messages are Vietnamese unless ``--lang en`` is given
(or the ``ANALYSIS_LANG`` environment variable says ``en``); under ``--lang all`` they are
Vietnamese. The language is read from the arguments before the parser is built, so that the
help, the usage line and argparse's own errors are in that language too. A misspelt option
gets a suggestion (``--yaer`` → ``--year``).

Example:
    >>> message_language(["report", "--lang", "en"], {}), message_language([], {})
    ('en', 'vi')
    >>> message_language(["validate"], {"ANALYSIS_LANG": "en"})
    'en'
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Mapping, Sequence

from analysis.i18n import LANGUAGES, t

ENV = "ANALYSIS_LANG"
"""Environment variable naming the default language of messages (``vi`` or ``en``)."""


def message_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language of the messages for these arguments and this environment."""
    chosen = environ.get(ENV, "vi")
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            chosen = argv[i + 1]
        elif arg.startswith("--lang="):
            chosen = arg.split("=", 1)[1]
    return chosen if chosen in LANGUAGES else "vi"


class Parser(argparse.ArgumentParser):
    """argparse with its headings and errors in the messages' language."""

    def __init__(self, *args, lang: str = "vi", **kwargs):
        self.lang = lang
        super().__init__(*args, **kwargs)

    def _t(self, key: str, **kwargs) -> str:
        return t(key, self.lang, **kwargs)

    def format_usage(self) -> str:
        return self._translate(super().format_usage())

    def format_help(self) -> str:
        return self._translate(super().format_help())

    def _translate(self, text: str) -> str:
        text = re.sub(r"^usage: ", self._t("cli.usage"), text, flags=re.M)
        text = re.sub(r"^positional arguments:$", self._t("cli.positional"), text, flags=re.M)
        text = re.sub(r"^options:$", self._t("cli.options"), text, flags=re.M)
        return text.replace("show this help message and exit", self._t("cli.help_option"))

    def error(self, message: str):
        """Print the usage and the error in the messages' language; exit 2."""
        self.print_usage(sys.stderr)
        text = self._t("cli.error", prog=self.prog, message=self._error_text(message))
        self.exit(2, text + "\n")

    def _error_text(self, message: str) -> str:
        patterns = (
            (r"the following arguments are required: (?P<args>.+)", "cli.error.required"),
            (r"one of the arguments (?P<args>.+) is required", "cli.error.one_of"),
            (
                r"argument (?P<arg>\S+): not allowed with argument (?P<other>.+)",
                "cli.error.not_allowed",
            ),
            (
                r"argument (?P<arg>\S+): invalid choice: (?P<value>\S+) "
                r"\(choose from (?P<choices>.+)\)",
                "cli.error.invalid_choice",
            ),
            (r"argument (?P<arg>\S+): invalid \S+ value: (?P<value>.+)", "cli.error.invalid_value"),
        )
        text = message
        for pattern, key in patterns:
            m = re.fullmatch(pattern, message)
            if m:
                text = self._t(key, **m.groupdict())
                break
        m = re.fullmatch(r"unrecognized arguments: (?P<args>.+)", message)
        if m:
            text = self._t("cli.error.unrecognized", args=m.group("args"))
        # A misspelt option shows up as unrecognised, or as a missing required one.
        hint = self._suggestion(getattr(self, "_given", []))
        return f"{text}. {hint}" if hint else text

    def parse_known_args(self, args=None, namespace=None):
        self._given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def _suggestion(self, unknown: list[str]) -> str:
        known = [
            option
            for action in self._all_actions()
            for option in action.option_strings
            if option.startswith("--")
        ]
        for arg in unknown:
            if arg.startswith("-") and arg.split("=")[0] not in known:
                close = difflib.get_close_matches(arg.split("=")[0], known, n=1, cutoff=0.6)
                if close:
                    return self._t("cli.error.suggest", option=close[0])
        return ""

    def _all_actions(self):
        """This parser's options and those of its sub-commands (an unknown option is reported
        by the top parser even when it was meant for a sub-command)."""
        for action in self._actions:
            yield action
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):  # the sub-commands' parsers
                for sub in choices.values():
                    yield from sub._actions
