"""Fixtures: one emulator stack for the whole test session (moto's state is
per process), every emulator reset to its initial behaviour after each test."""

from __future__ import annotations

import pytest

from .stack import Stack


@pytest.fixture(scope="session")
def running_stack():
    with Stack() as stack:
        yield stack


@pytest.fixture
def stack(running_stack):
    yield running_stack
    running_stack.reset()


@pytest.fixture
def state(stack):
    return stack.state()
