"""Code the tests share (not tests): pytest puts ``tests/`` on ``sys.path`` (``pythonpath``
in pyproject.toml), so a test in any folder imports ``helpers.corpus``, ``helpers.attacker``,
``helpers.intake`` and ``helpers.package_files``."""
