"""The participant's board as pure functions: dealing cards, state <-> Sort, requirement messages."""

import pytest

from cardsort import board
from cardsort.model import Group, Sort, study_from_spec


def make_study(kind="open", *, language="en", categories=None, **settings):
    spec = {"name": "Library", "kind": kind, "language": language,
            "cards": ["Opening hours", "Borrowing", "Wi-Fi", "Events", "Room booking"],
            "settings": {"randomize": False, **settings}}
    if categories is not None:
        spec["categories"] = categories
    return study_from_spec(spec, "s1")


IDS = ["c1", "c2", "c3", "c4", "c5"]


# --- dealing cards -------------------------------------------------------------------------------

def test_participant_seed_is_the_first_8_bytes_of_sha256():
    # sha256(b"s1\x1fp1")[:8] read big-endian, computed once with hashlib
    assert board.participant_seed("s1", "p1") == 15073041861608053477
    assert board.participant_seed("s1", "p2") != board.participant_seed("s1", "p1")


@pytest.mark.parametrize("seed, expected", [
    (1, ["c3", "c4", "c5", "c1", "c2"]),
    (2, ["c3", "c2", "c4", "c5", "c1"]),
])
def test_randomized_order_is_fixed_by_the_seed(seed, expected):
    assert board.choose_cards(IDS, seed=seed) == expected
    assert board.choose_cards(IDS, seed=seed) == expected  # same participant, same order


def test_without_randomize_the_study_order_is_kept():
    assert board.choose_cards(IDS, seed=1, randomize=False) == IDS


@pytest.mark.parametrize("seed, expected", [
    # c2 and c4 were never shown: always in. c3 and c5 (shown once) tie for the last
    # place and the seed breaks the tie; c1 (shown twice) never makes it.
    (0, ["c2", "c3", "c4"]),
    (1, ["c2", "c4", "c5"]),
])
def test_subset_takes_the_least_shown_cards_ties_by_seed(seed, expected):
    exposure = {"c1": 2, "c2": 0, "c3": 1, "c4": 0, "c5": 1}
    assert board.choose_cards(IDS, seed=seed, randomize=False, subset=3, exposure=exposure) == expected


def test_subset_order_is_shuffled_when_randomized():
    exposure = {"c1": 2, "c2": 0, "c3": 1, "c4": 0, "c5": 1}
    assert board.choose_cards(IDS, seed=3, subset=3, exposure=exposure) == ["c3", "c4", "c2"]


def test_balanced_exposure_over_many_participants():
    # 10 cards, 3 per participant, 10 participants: 30 showings, exactly 3 per card.
    ids = [f"c{i}" for i in range(1, 11)]
    exposure: dict[str, int] = {}
    for participant in range(10):
        for card in board.choose_cards(ids, seed=participant, subset=3, exposure=exposure):
            exposure[card] = exposure.get(card, 0) + 1
        assert max(exposure.values(), default=0) - min(exposure.get(c, 0) for c in ids) <= 1
    assert exposure == {c: 3 for c in ids}


@pytest.mark.parametrize("subset", [0, 6, -1, True, 2.5])
def test_subset_out_of_range_is_refused(subset):
    with pytest.raises(ValueError, match="subset must be a whole number from 1 to 5"):
        board.choose_cards(IDS, seed=1, subset=subset)


def test_cards_for_participant_uses_the_study_settings():
    study = make_study(randomize=True, subset=2)
    cards = board.cards_for_participant(study, "p1", {"c1": 5, "c2": 5, "c3": 5})
    assert sorted(cards) == ["c4", "c5"]
    assert cards == board.choose_cards(IDS, seed=board.participant_seed("s1", "p1"), subset=2,
                                       exposure={"c1": 5, "c2": 5, "c3": 5})


# --- state and conversions -----------------------------------------------------------------------

def test_initial_state_has_the_categories_and_all_cards_unsorted():
    study = make_study("hybrid", categories=["Visit", "Borrow"])
    assert board.initial_state(study, ["c2", "c1"]) == {
        "groups": [{"id": "k1", "label": "Visit", "category_id": "k1", "cards": []},
                   {"id": "k2", "label": "Borrow", "category_id": "k2", "cards": []}],
        "unsorted": ["c2", "c1"],
    }


def test_validate_state_normalises_labels_and_category_order():
    study = make_study("hybrid", categories=["Visit", "Borrow"])
    state = {"groups": [
        {"id": "g-1", "label": "  Mine ", "category_id": None, "cards": ["c3"]},
        {"id": "k2", "label": "whatever the browser sent", "category_id": "k2", "cards": ["c1"]},
    ], "unsorted": ["c2"]}
    assert board.validate_state(study, state) == {"groups": [
        {"id": "k1", "label": "Visit", "category_id": "k1", "cards": []},
        {"id": "k2", "label": "Borrow", "category_id": "k2", "cards": ["c1"]},
        {"id": "g-1", "label": "Mine", "category_id": None, "cards": ["c3"]},
    ], "unsorted": ["c2"]}


@pytest.mark.parametrize("state, message", [
    ([], "must be an object"),
    ({"groups": []}, "needs a 'groups' list and an 'unsorted' list"),
    ({"groups": [], "unsorted": ["c9"]}, "unknown card 'c9' in the unsorted cards"),
    ({"groups": [{"id": "a", "label": "A", "category_id": None, "cards": ["c1"]}], "unsorted": ["c1"]},
     "card 'c1' is placed twice"),
    ({"groups": [{"id": "a", "label": "A", "category_id": None, "cards": []},
                 {"id": "a", "label": "B", "category_id": None, "cards": []}], "unsorted": []},
     "repeated id 'a'"),
    ({"groups": [{"id": "a", "label": "A", "category_id": "k9", "cards": []}], "unsorted": []},
     "unknown category 'k9'; allowed: none"),
    ({"groups": [{"id": "a", "label": 5, "category_id": None, "cards": []}], "unsorted": []},
     "label must be text"),
    ({"groups": [{"id": "a", "label": "x" * 201, "category_id": None, "cards": []}], "unsorted": []},
     "longer than 200 characters"),
])
def test_validate_state_refuses_bad_states(state, message):
    with pytest.raises(ValueError, match=message):
        board.validate_state(make_study(), state)


def test_closed_sort_refuses_own_groups():
    study = make_study("closed", categories=["Visit"])
    state = {"groups": [{"id": "g", "label": "Mine", "category_id": None, "cards": []}], "unsorted": []}
    with pytest.raises(ValueError, match="a closed sort has only the study's categories"):
        board.validate_state(study, state)


def test_state_to_sort_drops_empty_groups_and_keeps_piles_apart():
    study = make_study("hybrid", categories=["Visit", "Borrow"])
    state = {"groups": [
        {"id": "k1", "label": "Visit", "category_id": "k1", "cards": ["c1", "c5"]},
        {"id": "k2", "label": "Borrow", "category_id": "k2", "cards": []},
        {"id": "g-a", "label": "Online", "category_id": None, "cards": ["c3"]},
        {"id": "g-b", "label": "Online", "category_id": None, "cards": ["c4"]},
    ], "unsorted": ["c2"], "stage": "sorting"}
    sort = board.state_to_sort(study, state, "p1", answers={"comments": "fine"})
    assert sort == Sort("p1", (Group("Visit", ("c1", "c5"), "k1"), Group("Online", ("c3",)),
                               Group("Online", ("c4",))), answers={"comments": "fine"})


def test_sort_to_state_round_trip():
    study = make_study("hybrid", categories=["Visit", "Borrow"])
    sort = Sort("p1", (Group("Online", ("c3", "c4")), Group("Visit", ("c1",), "k1")))
    state = board.sort_to_state(study, sort, ["c1", "c2", "c3", "c4"])
    assert state == {"groups": [
        {"id": "k1", "label": "Visit", "category_id": "k1", "cards": ["c1"]},
        {"id": "k2", "label": "Borrow", "category_id": "k2", "cards": []},
        {"id": "g1", "label": "Online", "category_id": None, "cards": ["c3", "c4"]},
    ], "unsorted": ["c2"]}
    assert board.state_to_sort(study, state, "p1").groups == (
        Group("Visit", ("c1",), "k1"), Group("Online", ("c3", "c4")))


# --- requirements ----------------------------------------------------------------------------------

def own(gid, label, cards):
    return {"id": gid, "label": label, "category_id": None, "cards": cards}


def test_complete_sort_has_no_problems():
    state = {"groups": [own("a", "Visit", ["c1", "c2", "c3"]), own("b", "Borrow", ["c4", "c5"])],
             "unsorted": []}
    assert board.check_requirements(make_study(), state) == []


def test_unsorted_cards_are_counted():
    state = {"groups": [own("a", "Visit", ["c1", "c2"])], "unsorted": ["c3", "c4", "c5"]}
    assert board.check_requirements(make_study(), state) == [
        "3 cards are not in a group yet. Move them into groups."]
    state = {"groups": [own("a", "Visit", ["c1", "c2", "c3", "c4"])], "unsorted": ["c5"]}
    assert board.check_requirements(make_study(), state) == [
        "1 card is not in a group yet. Move it into a group."]


def test_unsorted_cards_allowed_when_the_study_says_so():
    state = {"groups": [own("a", "Visit", ["c1"])], "unsorted": ["c2", "c3", "c4", "c5"]}
    assert board.check_requirements(make_study(require_all_sorted=False), state) == []


def test_nothing_sorted():
    state = {"groups": [], "unsorted": IDS}
    assert board.check_requirements(make_study(require_all_sorted=False), state) == [
        "Move at least one card into a group."]


def test_unnamed_and_empty_groups():
    state = {"groups": [own("a", "", ["c1", "c2"]), own("b", " ", ["c3"]), own("c", "Later", []),
                        own("d", "", ["c4", "c5"])], "unsorted": []}
    assert board.check_requirements(make_study(), state) == [
        'The group "Later" is empty. Move cards into it or remove it.',
        "3 of your groups have no name. Give each one a name.",
    ]
    assert board.check_requirements(make_study(require_names=False), state) == [
        'The group "Later" is empty. Move cards into it or remove it.']


def test_empty_unnamed_group_is_called_unnamed():
    state = {"groups": [own("a", "All", IDS), own("b", "", [])], "unsorted": []}
    assert board.check_requirements(make_study(), state) == [
        'The group "Unnamed group" is empty. Move cards into it or remove it.']


def test_max_groups_counts_groups_with_cards():
    study = make_study("hybrid", categories=["Visit", "Borrow"], max_groups=2)
    state = {"groups": [{"id": "k1", "label": "Visit", "category_id": "k1", "cards": ["c1", "c2"]},
                        own("a", "Online", ["c3"]), own("b", "Other", ["c4", "c5"])], "unsorted": []}
    assert board.check_requirements(study, state) == [
        "You used 3 groups; this study allows at most 2. Please combine some groups."]


def test_messages_follow_the_study_language():
    study = make_study(language="ru")
    state = {"groups": [own("a", "", ["c1"])], "unsorted": ["c2", "c3", "c4", "c5"]}
    assert board.check_requirements(study, state) == [
        "4 карточки ещё не в группах. Переместите их в группы.",
        "У 1 вашей группы нет названия. Дайте ей название.",
    ]
    study = make_study(language="fa")
    assert board.check_requirements(study, state)[0] == (
        "۴ کارت هنوز در هیچ گروهی نیستند. آن‌ها را به گروه‌ها ببرید.")


def test_clean_answers_keeps_known_non_empty_answers():
    assert board.clean_answers({"comments": "  Nice  ", "hard_cards": "   ", "other": "x"}) == {
        "comments": "Nice"}
    assert board.clean_answers(None) == {}
    assert board.clean_answers({"comments": "a" * 6000}) == {"comments": "a" * 5000}


def test_board_payload_for_the_component():
    study = study_from_spec({"name": "S", "kind": "closed", "language": "fa-IR",
                             "cards": [{"label": "A", "description": "about A"}, "B"],
                             "categories": ["X"], "settings": {"max_groups": 3}}, "s9")
    payload = board.board_payload(study, board.initial_state(study, ["c2"]), instance="s9:p1")
    assert payload["dir"] == "rtl"
    assert payload["lang"] == "fa-IR"
    assert payload["own_groups"] is False
    assert payload["max_groups"] == 3
    assert payload["cards"] == {"c2": {"label": "B", "description": None, "image": None}}
    assert payload["state"]["groups"] == [{"id": "k1", "label": "X", "category_id": "k1", "cards": []}]
    assert payload["strings"]["move"] == "انتقال"


# --- drafts of edited studies ------------------------------------------------------------------------

def test_reconcile_keeps_what_still_fits_the_edited_study():
    study = make_study("hybrid", categories=["Visit"])  # category k2 was removed, card c9 too
    draft = {"groups": [
        {"id": "k2", "label": "Borrow", "category_id": "k2", "cards": ["c4"]},
        {"id": "g-a", "label": " Mine ", "category_id": None, "cards": ["c1", "c9", "c1"]},
        {"id": "k1", "label": "Visit", "category_id": "k1", "cards": ["c2"]},
        "not a group",
    ], "unsorted": ["c3", "c2"], "stage": "sorting"}
    assert board.reconcile_state(study, draft) == {"groups": [
        {"id": "k1", "label": "Visit", "category_id": "k1", "cards": ["c2"]},
        {"id": "g-a", "label": "Mine", "category_id": None, "cards": ["c1"]},
    ], "unsorted": ["c3", "c4"]}


def test_reconcile_sends_own_groups_back_when_the_study_became_closed():
    study = make_study("closed", categories=["Visit"])
    draft = {"groups": [{"id": "g-a", "label": "Mine", "category_id": None, "cards": ["c1"]}],
             "unsorted": ["c2"]}
    assert board.reconcile_state(study, draft) == {
        "groups": [{"id": "k1", "label": "Visit", "category_id": "k1", "cards": []}],
        "unsorted": ["c2", "c1"]}


@pytest.mark.parametrize("junk", [None, "text", {"groups": "x", "unsorted": 5}])
def test_reconcile_reads_junk_as_an_empty_board(junk):
    assert board.reconcile_state(make_study(), junk) == {"groups": [], "unsorted": []}
