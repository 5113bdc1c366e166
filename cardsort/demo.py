"""A realistic demo study: a public library's website, 40 cards, 24 participants' open sorts.

The participants also answered a question before sorting (how they use the library) and the Single Ease
Question after it, so the demo's Results can be filtered and compared by segment: the students tend to
fold the children's and research cards into events and online resources.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from .model import Group, Sort, Study, study_from_spec

# Latent structure the simulated participants roughly follow, with the labels they use for it.
SECTIONS = {
    "visit": (["Visit", "Visit us", "Plan your visit", "Locations & hours", "visit"], [
        "Opening hours", "Branch locations", "Directions and parking", "Building accessibility",
        "Contact us"]),
    "borrow": (["Borrowing", "Borrow", "Loans", "Your account", "Borrowing & renewing"], [
        "Renew a loan", "Reserve a book", "Get a library card", "Fines and fees", "Interlibrary loan",
        "Borrowing rules"]),
    "digital": (["Online resources", "Digital library", "E-resources", "Online", "Digital"], [
        "E-books and audiobooks", "Online databases", "Digital magazines", "Streaming films",
        "Wi-Fi and public computers", "Printing and scanning"]),
    "events": (["Events", "What's on", "Events & activities", "Activities", "events"], [
        "Events calendar", "Book clubs", "Author talks", "Exhibitions", "Workshops and classes"]),
    "kids": (["Kids & teens", "Children", "Young people", "Kids", "Families"], [
        "Children's story time", "Homework help", "Summer reading challenge", "Teen space",
        "Books for babies"]),
    "research": (["Research", "Research & study", "Study", "Local history", "Research help"], [
        "Local history archive", "Family history (genealogy)", "Ask a librarian", "Book a study room",
        "Newspaper archive"]),
    "about": (["About us", "About", "About the library", "Get involved", "Support us"], [
        "Library news", "Jobs", "Annual report", "Donate", "Volunteer", "Board meetings",
        "Privacy policy", "Library history"]),
}


QUESTIONS = [
    {"id": "role", "when": "pre", "type": "single", "text": "How do you mostly use the library?",
     "options": ["Student", "Resident", "Staff"], "required": True},
    {"id": "ease", "when": "post", "type": "scale", "text": "Overall, how easy or difficult was this task?",
     "scale": {"min_label": "Very difficult", "max_label": "Very easy"}},
]


def demo_study(study_id: str) -> Study:
    cards = [card for _, (_, section) in SECTIONS.items() for card in section]
    return study_from_spec({
        "name": "City library website navigation", "kind": "open", "language": "en",
        "cards": [{"label": c} for c in cards],
        "settings": {"randomize": True, "require_all_sorted": True, "require_names": True},
        "questions": QUESTIONS,
    }, study_id)


def demo_sorts(study: Study, n_participants: int = 24, seed: int = 7) -> list[Sort]:
    """Simulated participants: mostly the latent sections, some merges, strays and odd labels."""
    rng = random.Random(seed)
    answering = random.Random(seed + 1)  # the questionnaire's own draws: the sorts stay as they were
    card_id = {c.label: c.id for c in study.cards}
    names = list(SECTIONS)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    sorts = []
    for p in range(n_participants):
        merge = rng.random() < 0.25  # some people fold kids into events, or research into digital
        merged = {"kids": "events", "research": "digital"} if merge else {}
        piles: dict[str, list[str]] = {}
        for section, (_, cards) in SECTIONS.items():
            for card in cards:
                home = merged.get(section, section)
                if rng.random() < 0.12:
                    home = rng.choice(names)
                piles.setdefault(home, []).append(card_id[card])
        groups = []
        for section, cards in piles.items():
            labels = SECTIONS[section][0]
            label = rng.choice(labels) if rng.random() < 0.9 else rng.choice(["Misc", "Other", "Stuff"])
            rng.shuffle(cards)
            groups.append(Group(label=label, cards=tuple(cards)))
        began = start + timedelta(hours=7 * p + rng.randint(0, 300) / 60)
        sorts.append(Sort(
            participant_id=f"p{p + 1:02d}", groups=tuple(groups), started_at=began,
            finished_at=began + timedelta(seconds=rng.randint(6 * 60, 22 * 60)),
            answers={"comments": rng.choice(["", "Some cards fit two places.", "Easy enough."]),
                     "role": "Student" if merge and answering.random() < 0.8 else
                     answering.choice(["Resident", "Resident", "Staff", "Student"]),
                     "ease": str(answering.randint(3, 7) if not merge else answering.randint(2, 6))},
        ))
    return sorts
