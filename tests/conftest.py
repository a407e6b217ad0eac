"""Shared fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def broken_corpus(tmp_path_factory):
    """The corpus of broken and hostile workbooks (tests/data/make_broken.py), built once."""
    from tests.data.make_broken import write_corpus

    return write_corpus(tmp_path_factory.mktemp("broken"))
