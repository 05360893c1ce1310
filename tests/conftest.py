"""Suite-wide set-up.

hypothesis is imported here, at collection, on purpose: when its pytest plugin imports it for
the first time in the terminal summary, CPython 3.11.7's assertion-rewriting compile trips over
"AST constructor recursion depth mismatch" and the run ends in an error after all tests passed.
"""

from __future__ import annotations

import os

import hypothesis

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

hypothesis.settings.register_profile("default", deadline=None)
hypothesis.settings.register_profile("long", deadline=None, max_examples=100_000)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
