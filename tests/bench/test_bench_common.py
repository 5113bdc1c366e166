"""bench.common: measuring fresh processes, summaries, tables. Real child processes, no timed assertions."""

import sys

import pytest

from bench.common import BenchError, Command, ProcessRun, Series, find_python, format_table, measure, run_process

PY = sys.executable


def test_run_process_captures_output_and_exit_code(tmp_path):
    run = run_process([PY, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
                      output_stem=tmp_path / "child")
    assert run.returncode == 3
    assert not run.timed_out
    assert run.stdout() == "out\n"
    assert run.stderr_tail() == "err"
    with pytest.raises(BenchError, match=r"exit 3: .*\nerr"):
        run.check()


def test_peak_rss_is_the_childs_own():
    big = run_process([PY, "-c", "b = bytearray(200 * 1024 * 1024)"]).check()
    assert 200 <= big.peak_rss_mb < 260


def test_peak_rss_does_not_inherit_the_parents_size():
    ballast = bytearray(300 * 1024 * 1024)  # a forked child would start with this in its high-water mark
    small = run_process([PY, "-c", "pass"]).check()
    assert len(ballast) and small.peak_rss_mb < 100


def test_timeout_kills_the_child():
    run = run_process(["sleep", "30"], timeout=0.2)
    assert run.timed_out and run.returncode == -9
    with pytest.raises(BenchError, match="timed out"):
        run.check()


def test_measure_interleaves_commands(tmp_path):
    log = tmp_path / "order"
    append = "import sys; open(sys.argv[1], 'a').write(sys.argv[2])"
    a, b = measure([Command("a", [PY, "-c", append, log, "A"]), Command("b", [PY, "-c", append, log, "B"])],
                   repeat=3)
    assert log.read_text() == "ABABAB"
    assert (a.name, len(a.runs), b.name, len(b.runs)) == ("a", 3, "b", 3)


def _run(wall, cpu, rss):
    return ProcessRun(argv=["x"], wall_s=wall, cpu_s=cpu, peak_rss_mb=rss, returncode=0)


def test_series_keeps_fastest_time_and_largest_memory():
    s = Series("x", [_run(3.0, 2.0, 100.0), _run(1.0, 1.5, 300.0), _run(2.0, 1.0, 200.0)])
    assert (s.wall_s, s.cpu_s, s.peak_rss_mb) == (1.0, 1.0, 300.0)
    d = s.to_dict()
    assert (d["wall_s_min"], d["wall_s_median"], d["cpu_s_median"], d["peak_rss_mb_max"]) == (1.0, 2.0, 1.5, 300.0)
    assert len(d["runs"]) == 3


def test_format_table_aligns_name_left_and_figures_right():
    assert format_table(["tool", "wall s"], [["ours", "1.50"], ["peer tool", "12.00"]]) == (
        "tool       wall s\n"
        "---------  ------\n"
        "ours         1.50\n"
        "peer tool   12.00"
    )


def test_find_python_resolves_this_interpreter_version():
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found = find_python(version)
    run = run_process([found, "-c", f"import sys; assert sys.version_info[:2] == {sys.version_info[:2]}"])
    assert run.returncode == 0


def test_find_python_names_what_to_install():
    with pytest.raises(BenchError, match=r"No Python 3\.99 found: install python3\.99"):
        find_python("3.99")
