"""bench.cardsort_bench: the generated Casolysis file, the sample cut, the output check, and `python -m bench`."""

import csv
import json
import subprocess
import sys
from collections import Counter

import pytest

from bench import __main__ as bench_main
from bench.cardsort_bench import (
    TOPICS,
    Timing,
    build_cards,
    check_ours,
    generate_casolysis,
    head_participants,
    median,
)
from bench.common import ROOT, BenchError, ProcessRun


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "casolysis-40p.csv"
    generate_casolysis(path, 40, seed=7)
    return path


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_cards_are_200_unique_labels_in_16_topics():
    cards = build_cards()
    assert len(cards.labels) == len(set(cards.labels)) == 200
    assert len(TOPICS) == 16 and set(cards.topic) == set(range(16))
    assert cards.labels[0] == "Check your bin day" and cards.topic[0] == 0
    # "Blue badge parking | care | 0.4": parking card, 40 % file it under adult social care
    i = cards.labels.index("Blue badge parking")
    assert (cards.topic[i], cards.secondary[i], cards.ambiguity[i]) == (3, 9, 0.4)


def test_generated_file_is_a_full_kardsort_export(small_csv):
    assert small_csv.read_text(encoding="utf-8").split("\n", 1)[0] == \
        "card_id,card_label,category_id,category_label,user_id"
    rows = rows_of(small_csv)
    assert len(rows) == 40 * 200
    assert rows[0]["user_id"] == "1"
    placed = Counter((r["user_id"], r["card_id"]) for r in rows)
    assert len(placed) == 40 * 200 and set(placed.values()) == {1}
    assert {r["user_id"] for r in rows} == {str(u) for u in range(1, 41)}
    labels = dict(zip(map(str, range(1, 201)), build_cards().labels))
    assert all(labels[r["card_id"]] == r["card_label"] for r in rows)


def test_piles_are_numbered_in_order_and_named_uniquely_per_participant(small_csv):
    rows = rows_of(small_csv)
    ids = [int(r["category_id"]) for r in rows]
    firsts = list(dict.fromkeys(ids))
    assert firsts == list(range(1, len(firsts) + 1))
    owner = {(r["category_id"], r["user_id"]) for r in rows}
    assert len(owner) == len(firsts)  # a pile belongs to one participant
    names = {(r["user_id"], r["category_id"]): r["category_label"].casefold() for r in rows}
    per_user = Counter((user, label) for (user, _), label in names.items())
    assert set(per_user.values()) == {1}


def test_generation_is_deterministic(small_csv, tmp_path):
    again, other = tmp_path / "again.csv", tmp_path / "other.csv"
    generate_casolysis(again, 40, seed=7)
    generate_casolysis(other, 40, seed=8)
    assert again.read_bytes() == small_csv.read_bytes()
    assert other.read_bytes() != small_csv.read_bytes()


def test_head_participants_keeps_the_first_participants(small_csv):
    head = head_participants(small_csv, 3)
    rows = rows_of(head)
    assert len(rows) == 600 and {r["user_id"] for r in rows} == {"1", "2", "3"}
    assert head.read_text(encoding="utf-8").split("\n", 1)[0].startswith("card_id,")


def test_our_analyze_output_passes_the_contract_check(small_csv):
    out = subprocess.run([sys.executable, "-m", "cardsort", "analyze", str(small_csv), "--json"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    result = check_ours(out, 40)
    assert result["n_participants"] == 40 and len(result["cards"]) == 200


def test_contract_check_names_what_is_wrong(small_csv):
    good = {"cards": build_cards().labels, "n_participants": 40, "similarity": [[1.0] * 200] * 200,
            "method": "average", "linkage": [[0, 1, 0.0, 2]] * 199,
            "categories": [{"name": "All", "cards": build_cards().labels}], "k": 1}
    assert check_ours(json.dumps(good), 40)["k"] == 1
    with pytest.raises(BenchError, match=r"n_participants 40 != 41; linkage has 198 rows, not 199"):
        check_ours(json.dumps({**good, "linkage": good["linkage"][1:]}), 41)
    with pytest.raises(BenchError, match=r"missing keys \['k'\]"):
        check_ours(json.dumps({key: v for key, v in good.items() if key != "k"}), 40)


@pytest.mark.parametrize("argv", [["nope"], ["all", "--repeat", "1"]])
def test_bench_entry_rejects_bad_usage(argv, capsys):
    assert bench_main.main(argv) == 2
    names = "|".join(bench_main.BENCHMARKS)
    assert f"usage: python -m bench [{names}|all]" in capsys.readouterr().err


def test_median_of_odd_and_even_counts():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median([7.0]) == 7.0


def test_timing_reports_median_wall_and_cpu_fastest_wall_and_largest_rss():
    runs = [ProcessRun(["x"], wall_s=w, cpu_s=c, peak_rss_mb=m, returncode=0)
            for w, c, m in [(3.0, 2.0, 100.0), (1.0, 1.5, 120.0), (9.0, 2.5, 90.0)]]
    timing = Timing.of("ours", runs)
    assert (timing.wall_s, timing.fastest_s, timing.cpu_s, timing.peak_rss_mb) == (3.0, 1.0, 2.0, 120.0)
    assert timing.row() == ["ours", "3.00", "1.00", "2.00", "120", "3"]
