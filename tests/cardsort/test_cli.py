"""`python -m cardsort` as a user runs it: real processes, a temporary SQLite database."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import DATA, ROOT


def run(*args, db=None, check=True):
    env = {**os.environ, "DATABASE_URL": db or "sqlite:///does-not-matter.db"}
    proc = subprocess.run([sys.executable, "-m", "cardsort", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_analyze_json_is_the_design_contract():
    out = json.loads(run("analyze", DATA / "cardsort" / "example.csv", "--json").stdout)
    assert out["cards"] == ["A", "B", "C", "D"] and out["n_participants"] == 3 and out["k"] == 2
    assert [c["name"] for c in out["categories"]] == ["Info", "Help"]
    assert out["linkage"] == [[0, 1, 0.333333, 2], [2, 3, 0.333333, 2], [4, 5, 0.833333, 4]]


def test_analyze_summary_method_and_k():
    out = run("analyze", DATA / "cardsort" / "example.csv", "--method", "complete", "--k", "3").stdout
    assert "example.csv: 3 participants, 4 cards" in out
    assert "Method: complete linkage; 3 categories (--k)" in out


@pytest.mark.parametrize("args,message", [
    (["analyze", "nope.csv"], "error: nope.csv: cannot read the file (No such file or directory)"),
    (["analyze", DATA / "cardsort" / "example.csv", "--k", "9"],
     "error: --k must be between 1 and the number of cards (4), not 9"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    proc = run(*args, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == message and proc.stdout == ""


def test_study_lifecycle(tmp_path):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"name": "Library", "kind": "open", "cards": ["A", "B", "C", "D"]}))
    created = json.loads(run("study", "create", spec, db=db).stdout)
    sid = created["study_id"]
    assert created == {"study_id": sid, "participant_path": f"/sort?study={sid}"}
    assert "imported 3 sorts into 'Library'" in run("study", "import", sid, DATA / "cardsort" / "example.csv",
                                                    db=db).stdout
    again = run("study", "import", sid, DATA / "cardsort" / "example.csv", db=db, check=False)
    assert again.returncode == 2 and again.stderr.strip() == "error: participant 'p1' already has a sort in this study"
    listing = run("study", "list", db=db).stdout
    assert sid in listing and "4 cards     3 sorts  Library" in listing
    caso = run("study", "export", sid, "--format", "casolysis", db=db).stdout
    assert caso.splitlines()[:2] == ["card_id,card_label,category_id,category_label,user_id", "c1,A,g1,Info,p1"]
    sim = run("study", "export", sid, "--format", "similarity", db=db).stdout
    assert sim.splitlines()[1] == "A,1.0000,0.6667,0.3333,0.0000"
    out_file = tmp_path / "sorts.json"
    run("study", "export", sid, "--format", "json", "-o", out_file, db=db)
    assert json.loads(out_file.read_text())["sorts"][1]["groups"][0]["label"] == "info"


def test_bad_spec_and_unknown_study(tmp_path):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"name": "X", "kind": "card", "cards": ["A"]}))
    proc = run("study", "create", spec, db=db, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {spec}: kind must be one of open, closed, hybrid, not 'card'"
    proc = run("study", "export", "missing", db=db, check=False)
    assert (proc.returncode, proc.stderr.strip()) == (2, "error: no study with id 'missing'")


def test_demo_seeds_once(tmp_path):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    assert "participant link /sort?study=" in run("demo", "--if-empty", db=db).stdout
    assert run("demo", "--if-empty", db=db).stdout == ""
    rows = json.loads(run("study", "list", "--json", db=db).stdout)
    assert len(rows) == 1 and rows[0]["cards"] == 40 and rows[0]["participants"] == 24


def test_study_spec_with_participant_texts(tmp_path):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    spec = tmp_path / "spec.json"
    texts = {"title": "کمک به کتابخانه", "welcome": "خوش آمدید", "thank_you": "سپاس"}
    spec.write_text(json.dumps({"name": "Library (internal)", "kind": "open", "language": "fa", "cards": ["A"],
                                "texts": texts}, ensure_ascii=False), encoding="utf-8")
    sid = json.loads(run("study", "create", spec, db=db).stdout)["study_id"]
    out_file = tmp_path / "study.json"
    run("study", "export", sid, "--format", "json", "-o", out_file, db=db)
    assert json.loads(out_file.read_text(encoding="utf-8"))["study"]["texts"] == texts
    spec.write_text(json.dumps({"name": "X", "kind": "open", "cards": ["A"], "texts": {"title": "t" * 201}}))
    proc = run("study", "create", spec, db=db, check=False)
    assert (proc.returncode, proc.stderr.strip()) == (
        2, f"error: {spec}: texts.title is 201 characters long; at most 200 are allowed")


def test_study_spec_with_a_panel(tmp_path):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    spec = tmp_path / "spec.json"
    panel = {"id_param": "PROLIFIC_PID", "tag_params": ["STUDY_ID"], "completion_code": "C1A2B3",
             "complete_url": "https://app.prolific.com/submissions/complete?cc=C1A2B3", "quota": 3}
    spec.write_text(json.dumps({"name": "Library", "kind": "open", "cards": ["A"], "panel": panel}))
    sid = json.loads(run("study", "create", spec, db=db).stdout)["study_id"]
    out_file = tmp_path / "study.json"
    run("study", "export", sid, "--format", "json", "-o", out_file, db=db)
    assert json.loads(out_file.read_text(encoding="utf-8"))["study"]["panel"] == panel
    spec.write_text(json.dumps({"name": "X", "kind": "open", "cards": ["A"],
                                "panel": {"quota_full_url": "file:///etc/passwd"}}))
    proc = run("study", "create", spec, db=db, check=False)
    assert (proc.returncode, proc.stderr.strip()) == (
        2, f"error: {spec}: panel.quota_full_url must be an http:// or https:// address with a host, "
           "not 'file:///etc/passwd'")

def test_study_cards_writes_the_printable_page(tmp_path):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"name": "Library", "kind": "open", "cards": [f"Card {i}" for i in range(1, 10)]}))
    sid = json.loads(run("study", "create", spec, db=db).stdout)["study_id"]
    out_file = tmp_path / "cards.html"
    assert run("study", "cards", sid, "--output", out_file, db=db).stdout == \
        f"wrote 9 cards of 'Library' to {out_file}\n"
    html = out_file.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count('<li class="card">') == 9
    assert run("study", "cards", sid, db=db).stdout == html  # without --output: standard output
    proc = run("study", "cards", "missing", db=db, check=False)
    assert (proc.returncode, proc.stderr.strip()) == (2, "error: no study with id 'missing'")
    proc = run("study", "cards", sid, "--output", tmp_path / "no-such-dir" / "cards.html", db=db, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path / 'no-such-dir' / 'cards.html'}: cannot write the cards " \
        "(No such file or directory)"
