import pytest

from cardsort.model import Settings, Texts, study_from_spec

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
    ({"settings": {"randomise": True}},
     "unknown setting 'randomise'; allowed: max_groups, order_within_groups, randomize"),
    ({"settings": {"randomize": "yes"}}, "settings.randomize must be true or false, not 'yes'"),
    ({"owner": "me"}, "unknown field 'owner' in study spec"),
])
def test_spec_errors_name_the_problem(change, message):
    with pytest.raises(ValueError, match=message):
        study_from_spec({**BASE, **change}, "s1")


def test_participant_texts_are_optional_and_stripped():
    assert study_from_spec(BASE, "s1").texts == Texts()
    assert study_from_spec({**BASE, "texts": None}, "s1").texts == Texts()
    study = study_from_spec({**BASE, "texts": {"title": "  Help us  ", "thank_you": None, "welcome": "   "}}, "s1")
    assert study.texts == Texts(title="Help us")
    assert study.to_spec()["texts"] == {"title": "Help us"}
    assert "texts" not in study_from_spec(BASE, "s1").to_spec()  # the spec of a study without texts is unchanged


@pytest.mark.parametrize("texts,message", [
    ("Hello", "texts must be an object with title, welcome, instructions, thank_you"),
    ({"heading": "Hi"}, "unknown text 'heading'; allowed: title, welcome, instructions, thank_you"),
    ({"title": 3}, "texts.title must be text, not int"),
    ({"title": "x" * 201}, "texts.title is 201 characters long; at most 200 are allowed"),
    ({"thank_you": "y" * 2001}, "texts.thank_you is 2,001 characters long; at most 2,000 are allowed"),
    ({"welcome": "a\x00b"}, "texts.welcome contains a NUL character"),
])
def test_bad_participant_texts_name_the_problem(texts, message):
    with pytest.raises(ValueError, match=message):
        study_from_spec({**BASE, "texts": texts}, "s1")


def test_the_longest_texts_allowed():
    texts = {"title": "t" * 200, "welcome": "w" * 2000, "instructions": "i" * 2000, "thank_you": "k" * 2000}
    assert study_from_spec({**BASE, "texts": texts}, "s1").texts == Texts(**texts)
