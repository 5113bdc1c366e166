import pytest

from cardsort.model import Settings, study_from_spec

BASE = {"name": "S", "kind": "open", "cards": ["A", "B"]}


def test_defaults_and_ids():
    study = study_from_spec(BASE, "s1")
    assert (study.status, study.language, study.settings) == ("open", "en", Settings())
    assert [(c.id, c.label) for c in study.cards] == [("c1", "A"), ("c2", "B")]


@pytest.mark.parametrize("change,message", [
    ({"name": " "}, "study name is empty"),
    ({"kind": "mixed"}, "kind must be one of open, closed, hybrid, not 'mixed'"),
    ({"status": "live"}, "status must be one of draft, open, closed, not 'live'"),
    ({"language": "english!"}, "language must be a BCP 47 code"),
    ({"cards": []}, "a study needs at least one card"),
    ({"cards": ["A", "A"]}, "card 2: the label 'A' is used twice"),
    ({"cards": [{"label": ""}]}, "card 1 label is empty"),
    ({"cards": [{"label": "A", "colour": "red"}]}, "card 1: unknown field 'colour'"),
    ({"cards": [{"label": "A", "image": "javascript:alert(1)"}]}, "card 1: the image must be an http"),
    ({"categories": ["X"]}, "an open sort has no fixed categories"),
    ({"kind": "closed"}, "a closed sort needs at least one category"),
    ({"settings": {"subset": 3}}, r"settings.subset \(3\) is larger than the number of cards \(2\)"),
    ({"settings": {"subset": 0}}, "settings.subset must be a positive whole number or null, not 0"),
    ({"settings": {"randomise": True}}, "unknown setting 'randomise'; allowed: max_groups, randomize"),
    ({"settings": {"randomize": "yes"}}, "settings.randomize must be true or false, not 'yes'"),
    ({"owner": "me"}, "unknown field 'owner' in study spec"),
])
def test_spec_errors_name_the_problem(change, message):
    with pytest.raises(ValueError, match=message):
        study_from_spec({**BASE, **change}, "s1")
