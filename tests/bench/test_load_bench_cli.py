"""``python -m bench load --url/--deployment``: bad combinations are refused by name before any browser starts."""

from __future__ import annotations

import os

import pytest

from bench.load_bench import cpu_seconds, main


@pytest.mark.parametrize(("argv", "message"), [
    (["--url", "http://127.0.0.1:9"], "--url needs --study ID"),
    (["--url", "http://127.0.0.1:9", "--study", "s1", "--deployment"], "give --url (an existing deployment) or"),
    (["--url", "ftp://example.org", "--study", "s1"], "--url must be an http(s) base URL, got 'ftp://example.org'"),
    (["--url", "http://127.0.0.1:9", "--study", "s1", "--concurrency", "0"], "must be at least 1"),
])
def test_bad_deployment_options_are_named(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_cpu_seconds_of_this_process_grow_and_of_a_missing_one_are_zero():
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert cpu_seconds(os.getpid()) > before
    assert cpu_seconds(2**22 + 12345) == 0.0
