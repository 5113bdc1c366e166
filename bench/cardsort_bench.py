"""Card-sort benchmark: our ``python -m cardsort analyze`` against pandas and the PyPI ``cardsort``.

``python -m bench cardsort [--participants N] [--repeat R] [--peer-repeat P] [--peer-budget S] [--skip-peer]``

1. Generates (once, cached under ``bench/.work/``) a deterministic Kardsort "Casolysis" CSV:
   N participants (default 10,000) each sorting all 200 cards of a city-council website
   (2 million rows), drawn from a latent structure of 16 topics with realistic noise.
2. Measures, each as a whole fresh process (interpreter start-up and imports included, as a
   user meets it), runs interleaved: (a) the same venv's Python importing pandas and running
   ``pd.read_csv`` on the file; (b) ``python -m cardsort analyze FILE --json``; (c) the PyPI
   package ``cardsort`` 0.2.45 in its own Python 3.11 venv (``bench/.peers/``) importing itself,
   pandas and scipy and running ``read_csv`` + ``get_distance_matrix`` + ``scipy`` average linkage
   (it also times those phases inside its process, shown for information).
3. Prints the medians (and fastest runs) with PASS/MISS against issues 2 and 12's targets, taken
   on median wall times, and writes ``bench/results/cardsort.json``.

Only the standard library is imported at module level: the peer's Python 3.11 imports this
module to run :func:`run_peer_inside` (``python -m bench.cardsort_bench --peer-inside ...``).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.metadata
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    WORK_DIR,
    BenchError,
    Command,
    Series,
    Stopwatch,
    ensure_venv,
    find_python,
    format_table,
    log,
    run_process,
    verdict,
    write_results,
)

# cardsort 0.2.45 needs Python 3.11 and pandas < 2; the rest pinned to what pip resolves with them.
PEER_REQUIREMENTS = ("cardsort==0.2.45", "pandas==1.5.3", "numpy==1.26.4", "scipy==1.17.1", "matplotlib==3.11.2")
PEER_PYTHON = "3.11"
TARGET_VS_READ_CSV = 2.0   # ours within 2x pandas import + read_csv
TARGET_PEAK_RSS_MB = 1024  # ours under 1 GB
TARGET_VS_PEER = 25.0      # ours at least 25x faster than the peer
PILOT_PARTICIPANTS = 1_000
GENERATOR_VERSION = 1

# --- the study: a city council website --------------------------------------------------------
# Each topic: the labels participants give its pile (most common first), the two labels used
# when a participant splits it in two, and its cards. A card written "label | other topic | p"
# also belongs, for a share p of participants, to that other topic (an ambiguous card).
# A card starting with "*" is in the topic's second half when a participant splits it.

TOPICS: dict[str, dict[str, Any]] = {
    "waste": {
        "labels": ["Bins and recycling", "Rubbish & recycling", "Waste", "Recycling", "Waste collection"],
        "split": ["Bin collections", "Recycling centres"],
        "cards": ["Check your bin day", "Report a missed bin", "Order a new bin", "Garden waste subscription",
                  "Bulky waste collection", "What goes in which bin", "Assisted bin collections",
                  "Christmas collection changes",
                  "*Book a recycling centre visit", "*Recycling centre opening hours", "*Commercial waste",
                  "*Clinical waste collection", "*Report fly-tipping | environment | 0.35"],
    },
    "tax": {
        "labels": ["Council tax", "Council Tax", "Paying council tax", "Tax", "Your council tax"],
        "split": ["Pay council tax", "Council tax bands and discounts"],
        "cards": ["Pay your council tax", "Set up a council tax direct debit", "View your council tax bill",
                  "Tell us you are moving home | housing | 0.3", "Council tax arrears",
                  "*Council tax bands", "*Single person discount", "*Student exemption",
                  "*Council tax reduction | benefits | 0.45", "*Empty homes premium",
                  "*Challenge your council tax band", "*Where your council tax goes | council | 0.25"],
    },
    "benefits": {
        "labels": ["Benefits", "Benefits and financial help", "Money help", "Financial support",
                   "Help with money"],
        "split": ["Claiming benefits", "Cost of living support"],
        "cards": ["Housing benefit | housing | 0.35", "Apply for benefits", "Report a change of circumstances",
                  "Discretionary housing payments | housing | 0.25", "Universal Credit support",
                  "Benefits calculator",
                  "*Cost of living help", "*Household support fund", "*Free school meals | schools | 0.4",
                  "*Warm spaces | community | 0.3", "*Food banks | community | 0.35", "*Debt advice"],
    },
    "parking": {
        "labels": ["Parking", "Parking and permits", "Car parking", "Permits", "Parking & fines"],
        "split": ["Parking permits", "Parking fines"],
        "cards": ["Apply for a resident parking permit", "Visitor parking permits", "Car park locations",
                  "Blue badge parking | care | 0.4", "Electric vehicle charge points | roads | 0.4",
                  "Season tickets for car parks",
                  "*Pay a parking fine", "*Challenge a parking fine", "*Report illegal parking",
                  "*Parking suspensions", "*Dropped kerbs | roads | 0.45", "*Abandoned vehicles | roads | 0.3"],
    },
    "roads": {
        "labels": ["Roads and transport", "Transport", "Roads & travel", "Travel", "Highways"],
        "split": ["Roads and pavements", "Buses and cycling"],
        "cards": ["Report a pothole", "Roadworks and closures", "Street lighting faults", "Gritting routes",
                  "Pavement repairs", "Road safety",
                  "*Bus passes for older people | care | 0.3", "*Cycling routes", "*Bus timetables",
                  "*School travel and transport | schools | 0.45", "*Community transport | care | 0.3",
                  "*Travel training"],
    },
    "housing": {
        "labels": ["Housing", "Homes", "Housing services", "Council housing", "Housing & homelessness"],
        "split": ["Council homes", "Homelessness"],
        "cards": ["Apply for council housing", "Council home repairs", "Pay your rent", "Swap your council home",
                  "Right to buy", "Private renting advice", "Report a rogue landlord | environment | 0.3",
                  "*Homeless or at risk of homelessness", "*Emergency accommodation",
                  "*Adapt your home for a disability | care | 0.45", "*Empty homes", "*Houses in multiple occupation"],
    },
    "planning": {
        "labels": ["Planning", "Planning and building", "Planning applications", "Building control",
                   "Planning & development"],
        "split": ["Planning applications", "Building regulations"],
        "cards": ["Search planning applications", "Apply for planning permission", "Comment on a planning application",
                  "Do you need planning permission?", "Local plan", "Tree preservation orders | environment | 0.35",
                  "*Building regulations", "*Report a dangerous structure", "*Conservation areas",
                  "*Planning enforcement", "*Street naming and numbering | roads | 0.3",
                  "*Land charges and property searches"],
    },
    "schools": {
        "labels": ["Schools", "Schools and education", "Education", "Schools & learning", "Learning"],
        "split": ["School admissions", "Learning and skills"],
        "cards": ["Apply for a primary school place", "Apply for a secondary school place", "School term dates",
                  "School closures", "In-year school transfers", "Appeal a school place decision",
                  "*Special educational needs (SEND) | families | 0.45", "*Adult learning courses",
                  "*Home education", "*Apprenticeships | jobs | 0.4", "*School uniform grants | benefits | 0.35",
                  "*Children missing education"],
    },
    "families": {
        "labels": ["Children and families", "Families", "Children & young people", "Family support",
                   "Kids and family"],
        "split": ["Childcare", "Family support"],
        "cards": ["Find childcare", "Free childcare for 2-year-olds", "Family hubs", "Youth clubs",
                  "Fostering | care | 0.25", "Adoption",
                  "*Report concerns about a child", "*Early help for families", "*Young carers | care | 0.4",
                  "*Holiday activities", "*Parenting courses", "*Care leavers",
                  "*Children's centres"],
    },
    "care": {
        "labels": ["Adult social care", "Social care", "Care and support", "Adult care", "Health and care"],
        "split": ["Care at home", "Care homes and safeguarding"],
        "cards": ["Ask for care and support", "Care at home", "Paying for care", "Carers' assessment",
                  "Equipment to help you live at home", "Meals on wheels", "Direct payments",
                  "*Care homes", "*Report abuse of an adult", "*Dementia support",
                  "*Mental health support | health | 0.4", "*Lasting power of attorney"],
    },
    "health": {
        "labels": ["Health", "Public health", "Health and wellbeing", "Wellbeing", "Staying healthy"],
        "split": ["Health services", "Healthy living"],
        "cards": ["Stop smoking service", "Sexual health clinics", "Drug and alcohol support", "Health visitors",
                  "NHS health checks", "Vaccinations",
                  "*Healthy eating", "*Weight management", "*Exercise on referral | leisure | 0.45",
                  "*Suicide prevention", "*Air quality | environment | 0.45", "*Loneliness support | community | 0.35",
                  "*Public health reports"],
    },
    "libraries": {
        "labels": ["Libraries", "Library", "Libraries and archives", "Library services", "Books and libraries"],
        "split": ["Borrowing", "Archives and local history"],
        "cards": ["Join the library", "Renew library books", "Library opening hours", "eBooks and audiobooks",
                  "Reserve a book", "Library events for children | leisure | 0.35", "Computers and wi-fi in libraries",
                  "*Local history archives", "*Family history research", "*Home library service | care | 0.3",
                  "*Reading groups", "*Book a library room"],
    },
    "leisure": {
        "labels": ["Leisure and culture", "Things to do", "Parks and leisure", "Sport and leisure",
                   "Culture & leisure"],
        "split": ["Parks and sport", "Arts and events"],
        "cards": ["Parks and open spaces", "Sports centres and swimming pools", "Allotments", "Playgrounds",
                  "Book a sports pitch", "Countryside walks",
                  "*What's on", "*Museums and galleries", "*Theatre tickets", "*Apply to hold an event",
                  "*Tourist information", "*Arts grants | community | 0.35",
                  "Leisure centre memberships"],
    },
    "business": {
        "labels": ["Business", "Business and licensing", "Licences", "Business support", "For businesses"],
        "split": ["Licences and permits", "Business support"],
        "cards": ["Business rates | tax | 0.45", "Alcohol and entertainment licences", "Taxi and private hire licences",
                  "Street trading licences", "Food business registration | environment | 0.4", "Gambling licences",
                  "*Start a business", "*Business grants", "*Sell to the council",
                  "*Market stalls", "*Trading standards | environment | 0.3", "*Commercial property to let",
                  "Business waste and recycling | waste | 0.45"],
    },
    "environment": {
        "labels": ["Environment", "Environmental health", "Community safety", "Environment and pollution",
                   "Noise and pollution"],
        "split": ["Pollution and pests", "Crime and safety"],
        "cards": ["Report a noise complaint", "Pest control | housing | 0.35", "Food hygiene ratings",
                  "Report dog fouling", "Report graffiti", "Climate action plan",
                  "*Antisocial behaviour", "*CCTV", "*Report a stray dog", "*Flooding and drainage | roads | 0.35",
                  "*Contaminated land", "*Emergency planning",
                  "Report a street cleaning problem | waste | 0.4"],
    },
    "council": {
        "labels": ["About the council", "The council", "Council and democracy", "Your council",
                   "Councillors and democracy"],
        "split": ["Democracy and elections", "Jobs and council information"],
        "cards": ["Find your councillor", "Council meetings and minutes", "Register to vote", "Elections and results",
                  "Council budget and spending", "Make a complaint", "Freedom of information requests",
                  "*Jobs at the council", "*Register a birth", "*Register a death",
                  "*Book a wedding or civil partnership", "*Citizenship ceremonies", "*Contact the council",
                  "*Volunteering"],
    },
}
# Secondary topics named in cards but not piles of their own are folded into a real topic.
TOPIC_ALIASES = {"jobs": "council", "community": "health"}
# Related topics some participants put in one pile, and what they call it.
MERGES = [
    ("tax", "benefits", ["Council tax and benefits", "Money", "Tax & benefits"], 0.12),
    ("parking", "roads", ["Roads, parking and travel", "Transport and parking", "Getting around"], 0.18),
    ("housing", "planning", ["Housing and planning", "Homes & planning"], 0.10),
    ("schools", "families", ["Children, families and schools", "Education & children"], 0.15),
    ("care", "health", ["Health and social care", "Care & health"], 0.15),
    ("libraries", "leisure", ["Leisure, libraries and culture", "Culture and libraries"], 0.14),
]
MISC_LABELS = ["Not sure", "Other", "Misc", "Don't know", "Miscellaneous"]
P_SPLIT = 0.09      # per participant and topic: split the topic in two piles
P_MISC = 0.18       # participant keeps a "not sure" pile for ambiguous cards
LABEL_PICK = [0.45, 0.22, 0.14, 0.11, 0.08]  # how often each of a topic's labels is used


@dataclass(frozen=True)
class Cards:
    """The study's cards: label, true topic, split half, secondary topic (-1 if none) and its share."""

    labels: list[str]
    topic: list[int]
    half: list[int]
    secondary: list[int]
    ambiguity: list[float]


def build_cards() -> Cards:
    """Parse :data:`TOPICS` into parallel lists, one entry per card (200 cards)."""
    names = list(TOPICS)
    labels, topic, half, secondary, ambiguity = [], [], [], [], []
    for t, name in enumerate(names):
        for raw in TOPICS[name]["cards"]:
            second_half = raw.startswith("*")
            label, *alt = [part.strip() for part in raw.lstrip("*").split("|")]
            other, share = (TOPIC_ALIASES.get(alt[0], alt[0]), float(alt[1])) if alt else (None, 0.0)
            labels.append(label)
            topic.append(t)
            half.append(int(second_half))
            secondary.append(names.index(other) if other and share > 0 else -1)
            ambiguity.append(share if other else 0.0)
    if len(set(labels)) != len(labels):
        raise AssertionError("card labels must be unique")
    return Cards(labels, topic, half, secondary, ambiguity)


def generate_casolysis(path: Path, n_participants: int, seed: int = 2026) -> None:
    """Write a deterministic Casolysis CSV of ``n_participants`` full sorts of :func:`build_cards`.

    Columns ``card_id, card_label, category_id, category_label, user_id``; ids are integers from 1
    (Kardsort's export, which the PyPI ``cardsort`` requires: user 1 first, every card sorted by
    every user). Rows are ordered by participant, then pile, then card. Each participant:

    - puts each card in its topic's pile; an ambiguous card goes to its secondary topic with
      its own probability, scaled by the participant's (beta-distributed) indecision;
    - misplaces a card at random with a personal error rate (beta, mean about 4 %);
    - merges related topics (:data:`MERGES`), splits topics in two (:data:`P_SPLIT`), and may
      keep a "not sure" pile for the most ambiguous cards (:data:`P_MISC`);
    - names each pile with a label drawn from the topic's usual names, sometimes lower-cased.

    Pile labels are unique within a participant, so grouping by label (the peer) and by
    category id (ours) yield the same similarity matrix.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cards = build_cards()
    names = list(TOPICS)
    n_topics, n_cards, n = len(names), len(cards.labels), n_participants
    rng = np.random.default_rng(seed)
    topic = np.array(cards.topic)
    half = np.array(cards.half, dtype=bool)
    secondary = np.array(cards.secondary)
    ambiguity = np.array(cards.ambiguity)

    # 1. Which topic each participant files each card under.
    indecision = rng.beta(2.0, 2.0, n) * 1.6            # scales the card's ambiguity; mean 0.8
    error_rate = rng.beta(1.2, 28.0, n)                 # mean about 4 %
    assigned = np.broadcast_to(topic, (n, n_cards)).copy()
    to_secondary = (secondary >= 0) & (rng.random((n, n_cards)) < ambiguity * indecision[:, None])
    assigned[to_secondary] = np.broadcast_to(secondary, (n, n_cards))[to_secondary]
    random_slip = rng.random((n, n_cards)) < error_rate[:, None]
    assigned[random_slip] = rng.integers(0, n_topics, random_slip.sum())

    # 2. Topic -> pile: merges, then splits (pile t + n_topics), then the "not sure" pile (2 * n_topics).
    pile_of_topic = np.broadcast_to(np.arange(n_topics), (n, n_topics)).copy()
    merged_label = np.full((n, n_topics), -1)           # index into merge labels, per kept topic
    merge_names: list[str] = []
    for a, b, merge_labels, share in MERGES:
        ia, ib = names.index(a), names.index(b)
        chosen = rng.random(n) < share
        pile_of_topic[chosen, ib] = ia
        pick = rng.integers(0, len(merge_labels), n)
        merged_label[chosen, ia] = len(merge_names) + pick[chosen]
        merge_names.extend(merge_labels)
    pile = np.take_along_axis(pile_of_topic, assigned, axis=1)
    splits = rng.random((n, n_topics)) < P_SPLIT
    split_here = np.take_along_axis(splits, pile, axis=1)
    pile = np.where(split_here & half, pile + n_topics, pile)
    misc_pile = 2 * n_topics
    has_misc = rng.random(n) < P_MISC
    to_misc = has_misc[:, None] & (ambiguity >= 0.35) & (rng.random((n, n_cards)) < 0.5)
    pile[to_misc] = misc_pile

    # 3. A label per (participant, pile), as an index into one vocabulary of label variants.
    base: list[str] = []
    topic_first = []
    for name in names:
        topic_first.append(len(base))
        base.extend(TOPICS[name]["labels"])
    split_first = len(base)
    for name in names:
        base.extend(TOPICS[name]["split"])
    merge_first = len(base)
    base.extend(merge_names)
    misc_first = len(base)
    base.extend(MISC_LABELS)
    pick = rng.choice(len(LABEL_PICK), size=(n, n_topics), p=LABEL_PICK)
    label_of = np.empty((n, 2 * n_topics + 1), dtype=np.int64)
    label_of[:, :n_topics] = np.array(topic_first) + pick
    label_of[:, :n_topics] = np.where(merged_label >= 0, merge_first + merged_label, label_of[:, :n_topics])
    split_pair = split_first + 2 * np.arange(n_topics)
    label_of[:, :n_topics] = np.where(splits, split_pair, label_of[:, :n_topics])   # first half of a split
    label_of[:, n_topics:2 * n_topics] = split_pair + 1
    label_of[:, misc_pile] = misc_first + rng.integers(0, len(MISC_LABELS), n)
    lower = rng.random((n, 2 * n_topics + 1)) < 0.15    # "council tax" rather than "Council tax"
    vocabulary = base + [b.lower() for b in base]
    label_of = label_of + lower * len(base)

    # 4. Rows ordered by participant, pile, card; category ids numbered 1.. in that order.
    user = np.repeat(np.arange(n), n_cards)
    card = np.tile(np.arange(n_cards), n)
    pile_flat = pile.ravel()
    order = np.lexsort((card, pile_flat, user))
    user, card, pile_flat = user[order], card[order], pile_flat[order]
    key = user * (2 * n_topics + 1) + pile_flat
    new_pile = np.r_[True, key[1:] != key[:-1]]
    category_id = np.cumsum(new_pile)
    category_label = label_of[user, pile_flat]
    folded_ids = {v: i for i, v in enumerate(dict.fromkeys(v.casefold() for v in vocabulary))}
    folded = np.array([folded_ids[v.casefold()] for v in vocabulary])[category_label]
    piles_named = np.unique(user[new_pile] * len(folded_ids) + folded[new_pile]).size
    if piles_named != category_id[-1]:
        raise AssertionError("two piles of one participant share a label (after case folding)")

    table = pa.table({
        "card_id": pa.array(card + 1),
        "card_label": pa.DictionaryArray.from_arrays(pa.array(card), pa.array(cards.labels)).dictionary_decode(),
        "category_id": pa.array(category_id),
        "category_label": pa.DictionaryArray.from_arrays(pa.array(category_label),
                                                         pa.array(vocabulary)).dictionary_decode(),
        "user_id": pa.array(user + 1),
    })
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(b"card_id,card_label,category_id,category_label,user_id\n")
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    tmp.replace(path)


def dataset(n_participants: int, seed: int = 2026) -> Path:
    """Path of the cached generated CSV for ``n_participants``, generating it when missing."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    path = WORK_DIR / f"casolysis-{n_participants}p-200c-seed{seed}-v{GENERATOR_VERSION}.csv"
    if not path.exists():
        log(f"generating {path.name} ({n_participants:,} participants x 200 cards)")
        generate_casolysis(path, n_participants, seed)
    return path


def head_participants(source: Path, n_participants: int) -> Path:
    """A CSV holding the first ``n_participants`` participants of ``source`` (rows are participant-major)."""
    path = source.with_name(f"{source.stem}-first{n_participants}p.csv")
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".tmp")
    with open(source, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
        dst.write(next(src))
        for line in src:
            if int(line.rsplit(",", 1)[1]) > n_participants:
                break
            dst.write(line)
    tmp.replace(path)
    return path


# --- the peer, run inside its own Python 3.11 venv ---------------------------------------------

def run_peer_inside(csv_path: str, out_dir: str) -> None:
    """Time the PyPI ``cardsort`` 0.2.45 pipeline on ``csv_path``; write its figures and results.

    Phases, each in wall-clock and process CPU seconds: ``import`` (pandas, scipy, cardsort,
    which pulls in matplotlib), ``read_csv``, ``get_distance_matrix`` (which runs the package's
    own data check first) and ``linkage`` (``scipy.cluster.hierarchy.linkage(d, "average")``,
    what its ``create_dendrogram`` does before plotting). ``out_dir`` receives ``peer.json``
    with the phases and ``peer-similarity.npy`` / ``peer-linkage.npy`` for the agreement checks.
    """
    # The repository's own ``cardsort`` package sits on sys.path[0] (the working directory):
    # drop it so that the peer's installed package is the one imported.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    sw = Stopwatch()
    with sw.phase("import"):
        import numpy as np
        import pandas as pd
        from scipy.cluster import hierarchy

        import cardsort
        from cardsort.analysis import get_distance_matrix  # type: ignore[attr-defined]  # the peer's package
    if Path(cardsort.__file__).resolve().parent == ROOT / "cardsort":
        raise BenchError(f"imported the repository's cardsort ({cardsort.__file__}), not the peer's")
    with sw.phase("read_csv"):
        df = pd.read_csv(csv_path)
    with sw.phase("get_distance_matrix"):
        distance = get_distance_matrix(df)
    if distance is None:
        raise BenchError("cardsort 0.2.45 rejected the file (see its log above)")
    with sw.phase("linkage"):
        linkage = hierarchy.linkage(distance, "average")
    n_users = int(df["user_id"].nunique())
    out = Path(out_dir)
    np.save(out / "peer-similarity.npy", 1.0 - distance / n_users)  # condensed, card_id order
    np.save(out / "peer-linkage.npy", linkage)
    (out / "peer.json").write_text(json.dumps({
        "phases_wall_s": sw.wall, "phases_cpu_s": sw.cpu, "n_users": n_users, "n_cards": int(df["card_id"].nunique()),
        "versions": {"cardsort": importlib.metadata.version("cardsort"), "pandas": pd.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
    }))


@dataclass
class PeerRun:
    """One run of the peer: its whole process, and the phases it timed itself (wall and CPU)."""

    process: Any  # ProcessRun
    phases_wall: dict[str, float]
    phases_cpu: dict[str, float]
    n_users: int
    versions: dict[str, str]

    @property
    def pipeline_wall_s(self) -> float:
        """read_csv + get_distance_matrix + linkage inside the process, imports left out (information)."""
        return sum(v for k, v in self.phases_wall.items() if k != "import")

    @property
    def pipeline_cpu_s(self) -> float:
        """The same phases in process CPU time."""
        return sum(v for k, v in self.phases_cpu.items() if k != "import")


def median(values: Sequence[float]) -> float:
    """The median (the mean of the middle two for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class Timing:
    """Whole-process figures of repeated runs of one command: median and fastest wall, median CPU, largest RSS."""

    name: str
    walls: list[float]
    cpus: list[float]
    peak_rss_mb: float

    @classmethod
    def of(cls, name: str, processes: Sequence[Any]) -> Timing:
        """From :class:`bench.common.ProcessRun` objects."""
        return cls(name, [r.wall_s for r in processes], [r.cpu_s for r in processes],
                   max(r.peak_rss_mb for r in processes))

    @property
    def wall_s(self) -> float:
        """Median wall-clock seconds: the figure the verdicts are taken on."""
        return median(self.walls)

    @property
    def cpu_s(self) -> float:
        """Median CPU seconds."""
        return median(self.cpus)

    @property
    def fastest_s(self) -> float:
        return min(self.walls)

    def row(self) -> list[str]:
        return [self.name, _s(self.wall_s), _s(self.fastest_s), _s(self.cpu_s), f"{self.peak_rss_mb:.0f}",
                str(len(self.walls))]


def measure_peer(interpreter: Path, csv_path: Path, timeout: float) -> PeerRun | None:
    """Run :func:`run_peer_inside` with the peer's interpreter; ``None`` when it exceeds ``timeout``."""
    out_dir = WORK_DIR / f"peer-{csv_path.stem}"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "peer.json").unlink(missing_ok=True)
    run = run_process([interpreter, "-m", "bench.cardsort_bench", "--peer-inside", csv_path, out_dir],
                      output_stem=out_dir / "process", cwd=ROOT, timeout=timeout,
                      env={**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": ""})
    if run.timed_out:
        return None
    run.check()
    figures = json.loads((out_dir / "peer.json").read_text())
    return PeerRun(run, figures["phases_wall_s"], figures["phases_cpu_s"], figures["n_users"], figures["versions"])


# --- checks: both tools did the real work ------------------------------------------------------

def check_ours(stdout: str, n_participants: int) -> dict[str, Any]:
    """Parse our ``analyze --json`` output and check its shape against the contract in docs/architecture.md.

    Raises
    ------
    BenchError
        When the output is not the promised object for this file.
    """
    result = json.loads(stdout)
    n_cards = len(build_cards().labels)
    problems = []
    missing = {"cards", "n_participants", "similarity", "method", "linkage", "categories", "k"} - result.keys()
    if missing:
        problems.append(f"missing keys {sorted(missing)}")
    else:
        if result["n_participants"] != n_participants:
            problems.append(f"n_participants {result['n_participants']} != {n_participants}")
        if sorted(result["cards"]) != sorted(build_cards().labels):
            problems.append("cards differ from the study's")
        if len(result["similarity"]) != n_cards or any(len(r) != n_cards for r in result["similarity"]):
            problems.append("similarity is not 200 x 200")
        if len(result["linkage"]) != n_cards - 1:
            problems.append(f"linkage has {len(result['linkage'])} rows, not {n_cards - 1}")
        if sum(len(c["cards"]) for c in result["categories"]) != n_cards:
            problems.append("categories do not cover every card once")
    if problems:
        raise BenchError("our analyze --json output is wrong: " + "; ".join(problems))
    return result


def compare_results(ours: dict[str, Any], peer_dir: Path) -> dict[str, Any]:
    """Agreement of the two similarity matrices, and how well each tool recovers the latent topics.

    Returns
    -------
    dict
        ``similarity_max_abs_diff`` (ours is rounded to 4 decimals in its JSON), and the adjusted
        Rand index against the generator's 16 topics of ours' proposed categories
        (``ari_ours``, k = ours' choice) and of the peer's tree cut at the same k (``ari_peer``).
    """
    import numpy as np
    from scipy.cluster.hierarchy import fcluster
    from scipy.spatial.distance import squareform
    from sklearn.metrics import adjusted_rand_score

    cards = build_cards()
    index = {label: i for i, label in enumerate(cards.labels)}         # card_id - 1
    perm = np.array([index[label] for label in ours["cards"]])
    ours_sim = np.asarray(ours["similarity"])
    peer_sim = squareform(np.load(peer_dir / "peer-similarity.npy"), checks=False)
    np.fill_diagonal(peer_sim, 1.0)
    diff = float(np.abs(ours_sim - peer_sim[np.ix_(perm, perm)]).max())
    ours_cluster = np.empty(len(cards.labels), dtype=int)
    for c, category in enumerate(ours["categories"]):
        ours_cluster[[index[label] for label in category["cards"]]] = c
    peer_cluster = fcluster(np.load(peer_dir / "peer-linkage.npy"), ours["k"], criterion="maxclust")
    return {
        "similarity_max_abs_diff": round(diff, 6),
        "k_ours": ours["k"],
        "ari_ours": round(float(adjusted_rand_score(cards.topic, ours_cluster)), 4),
        "ari_peer": round(float(adjusted_rand_score(cards.topic, peer_cluster)), 4),
    }


# --- the run ------------------------------------------------------------------------------------

BASELINE_CODE = "import sys, pandas as pd; pd.read_csv(sys.argv[1])"


def analyze_command(csv_path: Path, name: str) -> Command:
    """Our whole ``python -m cardsort analyze FILE --json`` process (output kept for :func:`check_ours`)."""
    return Command(name, [sys.executable, "-m", "cardsort", "analyze", csv_path, "--json"],
                   {"cwd": ROOT, "output_stem": WORK_DIR / f"ours-{csv_path.stem}"})


def _s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < 100 else f"{seconds:.0f}"


def _ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


@dataclass
class Target:
    """One target of the issue: the verdict is taken on ``measured``; ``by_cpu`` is shown beside it."""

    name: str
    measured: float
    by_cpu: float | None
    goal: str
    ok: bool | None  # None: shown for information, no verdict
    unit: str = "x"
    lower_bound: bool = False  # measured is only known to be at least this

    def row(self) -> list[str]:
        fmt = _ratio if self.unit == "x" else (lambda v: f"{v:.0f} MB")
        return [self.name, (">= " if self.lower_bound else "") + fmt(self.measured),
                fmt(self.by_cpu) if self.by_cpu is not None else "", self.goal,
                "info" if self.ok is None else verdict(self.ok)]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "measured": round(self.measured, 3), "lower_bound": self.lower_bound,
                "by_cpu": None if self.by_cpu is None else round(self.by_cpu, 3), "target": self.goal,
                "pass": self.ok}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the card-sort benchmark; print the tables; return 0 when every target passes, else 1."""
    parser = argparse.ArgumentParser(prog="python -m bench cardsort", description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000, help="participants in the file (default 10000)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="fresh processes of pandas and of ours per measurement (default 5)")
    parser.add_argument("--peer-repeat", type=int, default=3,
                        help="fresh processes of cardsort 0.2.45 per measurement, at most --repeat (default 3)")
    parser.add_argument("--peer-budget", type=float, default=600.0,
                        help="seconds the peer may take on the whole file before the comparison falls back to "
                             f"the first {PILOT_PARTICIPANTS:,} participants (default 600)")
    parser.add_argument("--skip-peer", action="store_true", help="do not install or run cardsort 0.2.45")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    parser.add_argument("--peer-inside", nargs=2, metavar=("CSV", "OUT_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer_inside:
        run_peer_inside(*args.peer_inside)
        return 0
    if args.participants < 2 or args.repeat < 1 or args.peer_repeat < 1:
        parser.error("--participants must be at least 2, --repeat and --peer-repeat at least 1")

    csv_path = dataset(args.participants, args.seed)
    # Ours runs from compiled bytecode, as the peer does (pip compiled it at install) and as any checkout does
    # from its second run on; a shell with PYTHONDONTWRITEBYTECODE=1 would otherwise recompile cardsort/*.py
    # in every measured process (about 0.05 CPU s).
    compileall.compile_dir(ROOT / "cardsort", quiet=1)
    n_cards = len(build_cards().labels)
    rows = args.participants * n_cards
    load_before = os.getloadavg()[0]
    interpreter = None if args.skip_peer else ensure_venv("cardsort-0.2.45", find_python(PEER_PYTHON),
                                                          PEER_REQUIREMENTS)
    baseline_cmd = Command("pandas: import + read_csv", [sys.executable, "-c", BASELINE_CODE, csv_path])
    log(f"pandas import + read_csv, our analyze{'' if args.skip_peer else ' and cardsort 0.2.45'}: "
        f"{args.repeat} interleaved runs ({args.peer_repeat} of cardsort 0.2.45, budget {args.peer_budget:.0f} s)")
    baseline, ours, peer_runs, peer_timed_out = interleaved(
        baseline_cmd, analyze_command(csv_path, "ours: cardsort analyze --json"), interpreter, csv_path, args)
    assert baseline is not None  # a baseline command was given
    ours_json = check_ours(ours.runs[-1].stdout(), args.participants)

    peer_sample_runs: list[PeerRun] = []
    ours_sample = checks = None
    sample_path = head_participants(csv_path, PILOT_PARTICIPANTS) if args.participants > PILOT_PARTICIPANTS \
        else None
    if interpreter and sample_path:
        log(f"cardsort 0.2.45 and ours on the first {PILOT_PARTICIPANTS:,} participants")
        _, ours_sample, peer_sample_runs, _ = interleaved(
            None, analyze_command(sample_path, f"ours, first {PILOT_PARTICIPANTS:,} p."), interpreter, sample_path,
            args)
        check_ours(ours_sample.runs[-1].stdout(), PILOT_PARTICIPANTS)
    if peer_runs:
        checks = compare_results(ours_json, WORK_DIR / f"peer-{csv_path.stem}")
    load_after = os.getloadavg()[0]

    base_t, ours_t = Timing.of(baseline.name, baseline.runs), Timing.of(ours.name, ours.runs)
    peer_t = Timing.of(f"cardsort 0.2.45, {args.participants:,} p.", [r.process for r in peer_runs]) \
        if peer_runs else None
    peer_sample_t = Timing.of(f"cardsort 0.2.45, first {PILOT_PARTICIPANTS:,} p.",
                              [r.process for r in peer_sample_runs]) if peer_sample_runs else None
    ours_sample_t = Timing.of(ours_sample.name, ours_sample.runs) if ours_sample else None
    targets = [
        Target("ours / (pandas import + read_csv)", ours_t.wall_s / base_t.wall_s, ours_t.cpu_s / base_t.cpu_s,
               f"<= {TARGET_VS_READ_CSV:.0f}x", ours_t.wall_s / base_t.wall_s <= TARGET_VS_READ_CSV),
        Target("ours peak RSS", ours_t.peak_rss_mb, None, f"< {TARGET_PEAK_RSS_MB} MB",
               ours_t.peak_rss_mb < TARGET_PEAK_RSS_MB, unit="MB"),
    ]
    if peer_t:
        speedup = peer_t.wall_s / ours_t.wall_s
        targets.append(Target(f"cardsort 0.2.45 / ours, {args.participants:,} participants", speedup,
                              peer_t.cpu_s / ours_t.cpu_s, f">= {TARGET_VS_PEER:.0f}x", speedup >= TARGET_VS_PEER))
        pipeline = median([r.pipeline_wall_s for r in peer_runs])
        targets.append(Target("  same, peer's imports and start-up left out", pipeline / ours_t.wall_s,
                              median([r.pipeline_cpu_s for r in peer_runs]) / ours_t.cpu_s, "(earlier measure)",
                              None))
    if peer_sample_t and ours_sample_t:
        speedup = peer_sample_t.wall_s / ours_sample_t.wall_s
        targets.append(Target(f"cardsort 0.2.45 / ours, first {PILOT_PARTICIPANTS:,} participants", speedup,
                              peer_sample_t.cpu_s / ours_sample_t.cpu_s, f">= {TARGET_VS_PEER:.0f}x",
                              None if peer_t else speedup >= TARGET_VS_PEER))
    if peer_timed_out and not peer_t:
        # It ran out of budget: its time, and so the speed-up, is at least this much.
        targets.append(Target(f"cardsort 0.2.45 / ours, {args.participants:,} participants",
                              args.peer_budget / ours_t.wall_s, None, f">= {TARGET_VS_PEER:.0f}x",
                              True if args.peer_budget / ours_t.wall_s >= TARGET_VS_PEER
                              else (None if peer_sample_t else False), lower_bound=True))

    size_mb = csv_path.stat().st_size / 1e6
    print(f"\nCard sort: {args.participants:,} participants x {n_cards} cards ({rows:,} rows, {size_mb:.0f} MB "
          f"Casolysis CSV); whole fresh processes, imports included; median of the runs (fastest beside it)\n")
    timings = [t for t in (base_t, ours_t, peer_t, ours_sample_t, peer_sample_t) if t]
    print(format_table(["measured (whole process)", "wall s median", "fastest", "CPU s median", "peak RSS MB",
                        "runs"], [t.row() for t in timings]))
    print()
    print(format_table(["target (verdict on median wall time)", "measured", "by CPU", "target", "verdict"],
                       [t.row() for t in targets]))
    print()
    for runs, name in ((peer_runs, "whole file"), (peer_sample_runs, "sample")):
        if runs:
            print(f"cardsort 0.2.45 phases inside its process, {name}, first run (wall s): "
                  + ", ".join(f"{k} {_s(v)}" for k, v in runs[0].phases_wall.items()))
    if peer_timed_out and not peer_t:
        fallback = (f"the verdict is taken on the first {PILOT_PARTICIPANTS:,} participants, measured for both tools"
                    if peer_sample_t else f"nor the first {PILOT_PARTICIPANTS:,} participants")
        print(f"* cardsort 0.2.45 did not finish the whole file within {args.peer_budget:.0f} s; {fallback}.")
    if checks:
        print(f"\nChecks: similarity matrices agree to {checks['similarity_max_abs_diff']:.6f} (ours is rounded to "
              f"4 decimals); adjusted Rand index vs the 16 latent topics at k={checks['k_ours']}: "
              f"ours {checks['ari_ours']:.3f}, cardsort 0.2.45 {checks['ari_peer']:.3f}")
    busiest = max(load_before, load_after)
    if busiest > (os.cpu_count() or 1):
        print(f"\nNote: load average up to {busiest:.1f} on {os.cpu_count()} CPUs while measuring: wall times are "
              f"inflated by other processes; the CPU-time ratios are the steadier figures.")

    path = write_results("cardsort", {
        "dataset": {"path": str(csv_path.relative_to(ROOT)), "participants": args.participants, "cards": n_cards,
                    "rows": rows, "bytes": csv_path.stat().st_size, "seed": args.seed,
                    "generator_version": GENERATOR_VERSION},
        "repeat": args.repeat,
        "peer_repeat": args.peer_repeat,
        "summary": "median wall and CPU seconds of whole fresh processes, imports included",
        "timings": [{"name": t.name, "wall_s_median": round(t.wall_s, 3), "wall_s_min": round(t.fastest_s, 3),
                     "cpu_s_median": round(t.cpu_s, 3), "peak_rss_mb_max": round(t.peak_rss_mb, 1),
                     "runs": len(t.walls)} for t in timings],
        "load_average_before": round(load_before, 2),
        "baseline": baseline.to_dict(),
        "ours": ours.to_dict(),
        "ours_sample": ours_sample.to_dict() if ours_sample else None,
        "peer": _peer_dict(peer_runs), "peer_sample": _peer_dict(peer_sample_runs),
        "peer_timed_out": peer_timed_out,
        "sample_participants": PILOT_PARTICIPANTS if sample_path else None,
        "targets": [t.to_dict() for t in targets],
        "checks": checks,
    })
    print(f"\nWrote {path.relative_to(ROOT)}")
    return 0 if all(t.ok is not False for t in targets) else 1


def _peer_dict(runs: list[PeerRun]) -> dict[str, Any] | None:
    if not runs:
        return None
    return {"process_wall_s": [round(r.process.wall_s, 3) for r in runs],
            "process_cpu_s": [round(r.process.cpu_s, 3) for r in runs],
            "pipeline_wall_s": [round(r.pipeline_wall_s, 3) for r in runs],
            "pipeline_cpu_s": [round(r.pipeline_cpu_s, 3) for r in runs],
            "phases_wall_s": [{k: round(v, 3) for k, v in r.phases_wall.items()} for r in runs],
            "phases_cpu_s": [{k: round(v, 3) for k, v in r.phases_cpu.items()} for r in runs],
            "peak_rss_mb": round(max(r.process.peak_rss_mb for r in runs), 1), "n_users": runs[0].n_users,
            "versions": runs[0].versions, "requirements": list(PEER_REQUIREMENTS)}


def interleaved(baseline: Command | None, ours: Command, interpreter: Path | None, csv_path: Path,
                args: argparse.Namespace) -> tuple[Series | None, Series, list[PeerRun], bool]:
    """``args.repeat`` rounds of: the baseline (when given), ours, and the peer (its first
    ``args.peer_repeat`` rounds, until a run exceeds ``args.peer_budget``), each a fresh process.

    Returns the baseline's and ours' runs, the peer's runs and whether a peer run timed out.
    """
    base_runs = Series(baseline.name) if baseline else None
    ours_runs = Series(ours.name)
    peer_runs: list[PeerRun] = []
    timed_out = False
    for round_ in range(args.repeat):
        if baseline is not None and base_runs is not None:
            base_runs.runs.append(run_process(baseline.argv, **baseline.options).check())
        ours_runs.runs.append(run_process(ours.argv, **ours.options).check())
        if interpreter and not timed_out and round_ < args.peer_repeat:
            run = measure_peer(interpreter, csv_path, timeout=args.peer_budget)
            timed_out = run is None
            if run:
                peer_runs.append(run)
    return base_runs, ours_runs, peer_runs, timed_out


if __name__ == "__main__":
    sys.exit(main())
