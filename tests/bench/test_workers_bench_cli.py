"""``python -m bench workers``: bad options are refused by name before anything starts; the rates it reports."""

from __future__ import annotations

import pytest

from bench import __main__ as bench_cli
from bench.common import BenchError
from bench.workers_bench import main, rates


@pytest.mark.parametrize(("argv", "message"), [
    (["--pages", "0"], "--pages must be from 1 to 500, got 0"),
    (["--pages", "4", "--per-job", "5"], "--per-job must be from 1 to --pages (4), got 5"),
    (["--per-job", "0"], "--per-job must be from 1 to --pages (20), got 0"),
    (["--max-running", "1"], "--max-running must be from 2 to 1000 (two workers run at once), got 1"),
    (["--pages", "many"], "argument --pages: invalid int value: 'many'"),
])
def test_bad_options_are_named(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_missing_chromedriver_is_named_and_the_command_exits_2(tmp_path, capsys):
    missing = tmp_path / "chromedriver"
    with pytest.raises(BenchError, match=f"--chromedriver {missing} is not an executable"):
        main(["--chromedriver", str(missing)])
    assert bench_cli.main(["workers", "--chromedriver", str(missing)]) == 2
    assert f"python -m bench workers: --chromedriver {missing} is not an executable" in capsys.readouterr().err


def test_rates_per_minute_and_cpu_per_page():
    assert rates(jobs=10, pages=20, wall_s=60.0, cpu_s=30.0) == {
        "jobs_per_min": 10.0, "pages_per_min": 20.0, "cpu_s_per_page": 1.5}
    assert rates(jobs=10, pages=20, wall_s=45.0, cpu_s=31.0) == {
        "jobs_per_min": 13.33, "pages_per_min": 26.67, "cpu_s_per_page": 1.55}
    with pytest.raises(ValueError, match="need a positive wall time and page count, got 0.0 s and 20 pages"):
        rates(jobs=10, pages=20, wall_s=0.0, cpu_s=1.0)
