"""Questions asked before and after the sort (questionnaires and screening), as pure functions.

A study declares its questions in the spec's optional ``questions`` list (docs/architecture.md,
"Questions and screening")::

    {"id": "role", "when": "pre", "type": "single", "text": "What is your role?",
     "options": ["Student", "Staff", "Visitor"], "required": true, "screen_out": ["Visitor"]}

``type`` is ``single`` (one option), ``multiple`` (any options), ``scale`` (1 to 7 with labelled ends,
``"scale": {"min_label": ..., "max_label": ...}``), ``short`` (one line, at most 200 characters) or
``long`` (at most 5,000 characters). ``when`` is ``pre`` (after the welcome, before the board) or
``post`` (after the board, default). A ``pre`` choice question may list ``screen_out`` options: a
participant choosing one is screened out (recorded, never sorted, never analysed).

Answers are stored in :attr:`cardsort.model.Sort.answers` as text, one entry per question id:
the option for ``single``, the chosen options in the question's order joined by ``"; "`` for
``multiple`` (so options may not contain ``;``), ``"1"`` to ``"7"`` for ``scale``, the stripped
text for ``short`` and ``long``. Unanswered optional questions have no entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WHENS = ("pre", "post")
TYPES = ("single", "multiple", "scale", "short", "long")
CHOICE_TYPES = ("single", "multiple")
SCALE = (1, 7)
MULTIPLE_SEPARATOR = "; "
RESERVED_IDS = ("comments", "hard_cards")
"""Answer keys of the built-in optional questions after sorting; no study question may use them."""
MAX_QUESTIONS = 50
MAX_OPTIONS = 50
LIMITS = {"text": 1000, "option": 200, "scale_label": 100, "short": 200, "long": 5000}
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
_KEYS = ("id", "when", "type", "text", "options", "required", "scale", "screen_out")


@dataclass(frozen=True)
class Question:
    """One question of a study's questionnaire; see the module docstring for the fields."""

    id: str
    text: str
    type: str = "short"
    when: str = "post"
    options: tuple[str, ...] = ()
    required: bool = False
    min_label: str = ""
    max_label: str = ""
    screen_out: tuple[str, ...] = ()

    def to_spec(self) -> dict[str, Any]:
        """The question as its spec object (defaults left out, except ``when`` and ``type``)."""
        spec: dict[str, Any] = {"id": self.id, "when": self.when, "type": self.type, "text": self.text}
        if self.options:
            spec["options"] = list(self.options)
        if self.required:
            spec["required"] = True
        if self.type == "scale" and (self.min_label or self.max_label):
            spec["scale"] = {"min_label": self.min_label, "max_label": self.max_label}
        if self.screen_out:
            spec["screen_out"] = list(self.screen_out)
        return spec


def _text(value: Any, what: str, limit: int, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError(f"{what} contains a NUL character")
    value = value.strip()
    if required and not value:
        raise ValueError(f"{what} is empty")
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value):,} characters long; at most {limit:,} are allowed")
    return value


def question_from_dict(raw: Any, number: int) -> Question:
    """Validate one question object of the spec; errors name the question (``question 2 ('role')``)."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"question {number} must be an object with id, type and text")
    qid = raw.get("id")
    where = f"question {number}" + (f" ({qid!r})" if isinstance(qid, str) else "")
    unknown = sorted(str(k) for k in set(raw) - set(_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(_KEYS)}")
    if not isinstance(qid, str) or not _ID_RE.match(qid):
        raise ValueError(f"{where}: the id must be a letter then up to 39 letters, digits, _ or -, not {qid!r}")
    if qid in RESERVED_IDS:
        raise ValueError(f"{where}: the id {qid!r} is reserved for the built-in questions after sorting")
    qtype = raw.get("type", "short")
    if qtype not in TYPES:
        raise ValueError(f"{where}: type must be one of {', '.join(TYPES)}, not {qtype!r}")
    when = raw.get("when", "post")
    if when not in WHENS:
        raise ValueError(f"{where}: when must be pre or post, not {when!r}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise ValueError(f"{where}: required must be true or false, not {required!r}")
    text = _text(raw.get("text"), f"{where}: the text", LIMITS["text"])

    raw_options = raw.get("options")
    options: list[str] = []
    if qtype in CHOICE_TYPES:
        if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= MAX_OPTIONS:
            raise ValueError(f"{where}: a {qtype} choice question needs a list of 2 to {MAX_OPTIONS} options")
        for i, option in enumerate(raw_options, start=1):
            value = _text(option, f"{where}: option {i}", LIMITS["option"])
            if ";" in value:
                raise ValueError(f"{where}: option {i} contains ';', which separates the answers of a "
                                 "multiple choice question")
            if value in options:
                raise ValueError(f"{where}: the option {value!r} is listed twice")
            options.append(value)
    elif raw_options not in (None, []):
        raise ValueError(f"{where}: only single and multiple choice questions have options")

    min_label = max_label = ""
    scale = raw.get("scale")
    if scale is not None:
        if qtype != "scale":
            raise ValueError(f"{where}: only a scale question has scale labels")
        if not isinstance(scale, Mapping) or set(scale) - {"min_label", "max_label"}:
            raise ValueError(f"{where}: scale must be an object with min_label and max_label")
        min_label = _text(scale.get("min_label"), f"{where}: scale.min_label", LIMITS["scale_label"], required=False)
        max_label = _text(scale.get("max_label"), f"{where}: scale.max_label", LIMITS["scale_label"], required=False)

    raw_out = raw.get("screen_out")
    screen_out: list[str] = []
    if raw_out not in (None, []):
        if qtype not in CHOICE_TYPES or when != "pre":
            raise ValueError(f"{where}: only a choice question asked before the sort (when: pre) can screen out")
        if not isinstance(raw_out, list):
            raise ValueError(f"{where}: screen_out must be a list of options")
        for value in raw_out:
            if not isinstance(value, str) or value.strip() not in options:
                raise ValueError(f"{where}: screen_out lists {value!r}, which is not one of its options")
            if value.strip() not in screen_out:
                screen_out.append(value.strip())
        if qtype == "single" and len(screen_out) == len(options):
            raise ValueError(f"{where}: every option screens out; nobody could take part")
    return Question(id=qid, text=text, type=qtype, when=when, options=tuple(options), required=required,
                    min_label=min_label, max_label=max_label, screen_out=tuple(screen_out))


def questions_from_list(data: Any) -> tuple[Question, ...]:
    """Validate the spec's ``questions`` list (missing or ``null``: none); ids must be unique."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ValueError("questions must be a list of question objects")
    if len(data) > MAX_QUESTIONS:
        raise ValueError(f"a study may have at most {MAX_QUESTIONS} questions, not {len(data)}")
    questions: list[Question] = []
    for i, raw in enumerate(data, start=1):
        q = question_from_dict(raw, i)
        if any(other.id == q.id for other in questions):
            raise ValueError(f"question {i}: the id {q.id!r} is used twice")
        questions.append(q)
    return tuple(questions)


def asked(questions: Iterable[Question], when: str) -> list[Question]:
    """The questions asked at ``when`` (``pre`` or ``post``), in the study's order."""
    return [q for q in questions if q.when == when]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == () or (
        isinstance(value, str) and not value.strip())


def answer_text(q: Question, value: Any) -> str:
    """One answer in its stored text form (module docstring); ``''`` for no answer.

    ``value`` is what a form or a file gives: an option (``single``); a list of options or their
    ``"; "``-joined text (``multiple``); a whole number or its digits (``scale``); text.

    Raises
    ------
    ValueError
        Naming the question: an unknown option, a scale value outside 1–7, text too long.
    """
    where = f"question {q.id!r}"
    if _empty(value):
        return ""
    if q.type == "single":
        if not isinstance(value, str) or value.strip() not in q.options:
            raise ValueError(f"{where}: {value!r} is not one of its options ({', '.join(q.options)})")
        return value.strip()
    if q.type == "multiple":
        chosen = value.split(";") if isinstance(value, str) else value
        if not isinstance(chosen, list | tuple):
            raise ValueError(f"{where}: the answer must be a list of options")
        picked: set[str] = set()
        for item in chosen:
            if not isinstance(item, str) or item.strip() not in q.options:
                raise ValueError(f"{where}: {item!r} is not one of its options ({', '.join(q.options)})")
            picked.add(item.strip())
        return MULTIPLE_SEPARATOR.join(o for o in q.options if o in picked)
    if q.type == "scale":
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if isinstance(number, bool) or not isinstance(number, int) or not SCALE[0] <= number <= SCALE[1]:
            raise ValueError(f"{where}: the answer must be a whole number from {SCALE[0]} to {SCALE[1]}, "
                             f"not {value!r}")
        return str(number)
    limit = LIMITS[q.type]
    text = _text(value, where, limit, required=False)
    return " ".join(text.split()) if q.type == "short" else text


def validate_answers(questions: Sequence[Question], answers: Any, when: str | None = None) -> dict[str, str]:
    """The answers to ``questions`` (those asked at ``when``, or all) in stored text form.

    Keys that are not question ids are ignored. Raises :class:`ValueError` naming the question for
    a required question left unanswered or an answer that does not fit (:func:`answer_text`).
    """
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        raise ValueError("answers must be an object keyed by question id")
    out: dict[str, str] = {}
    for q in questions:
        if when is not None and q.when != when:
            continue
        text = answer_text(q, answers.get(q.id))
        if text:
            out[q.id] = text
        elif q.required:
            raise ValueError(f"question {q.id!r} (“{q.text}”) is required and has no answer")
    return out


def keep_valid(questions: Sequence[Question], answers: Any) -> dict[str, str]:
    """The answers of a saved draft that still fit the study's questions (the study may have been edited)."""
    if not isinstance(answers, Mapping):
        return {}
    out = {}
    for q in questions:
        try:
            text = answer_text(q, answers.get(q.id))
        except ValueError:
            continue
        if text:
            out[q.id] = text
    return out


def clean_answers(questions: Sequence[Question], answers: Any) -> dict[str, str]:
    """What a saved draft or an imported sort may keep: the answers that fit the study's ``questions``
    (:func:`keep_valid`) and the built-in optional answers (``comments``, ``hard_cards``: stripped,
    non-empty, at most 5,000 characters)."""
    if not isinstance(answers, Mapping):
        return {}
    cleaned = keep_valid(questions, answers)
    for key in RESERVED_IDS:
        value = answers.get(key)
        if isinstance(value, str) and value.strip():
            cleaned[key] = value.strip()[:LIMITS["long"]]
    return cleaned


def unanswered(questions: Sequence[Question], answers: Mapping[str, Any], when: str) -> list[Question]:
    """The required questions asked at ``when`` that have no answer, in order."""
    return [q for q in questions if q.when == when and q.required and _empty(answers.get(q.id))]


def chosen(q: Question, text: str) -> list[str]:
    """The options an answer's stored text names (``[]`` for no answer or a non-choice question)."""
    if q.type not in CHOICE_TYPES or not text:
        return []
    return [part.strip() for part in text.split(";") if part.strip()] if q.type == "multiple" else [text]


def screening_question(questions: Sequence[Question], answers: Mapping[str, str]) -> Question | None:
    """The first question whose stored answer picks a ``screen_out`` option, else ``None``."""
    for q in questions:
        if q.screen_out and set(chosen(q, answers.get(q.id, ""))) & set(q.screen_out):
            return q
    return None


def summary(q: Question, answers: Iterable[str]) -> list[tuple[str, int]]:
    """How many participants gave each answer: options (choice), 1–7 (scale); ``[]`` for text questions."""
    texts = [a for a in answers if a]
    if q.type in CHOICE_TYPES:
        counts = dict.fromkeys(q.options, 0)
        for text in texts:
            for option in chosen(q, text):
                if option in counts:
                    counts[option] += 1
        return list(counts.items())
    if q.type == "scale":
        counts = {str(n): 0 for n in range(SCALE[0], SCALE[1] + 1)}
        for text in texts:
            if text in counts:
                counts[text] += 1
        return list(counts.items())
    return []


__all__ = [
    "CHOICE_TYPES", "MULTIPLE_SEPARATOR", "Question", "RESERVED_IDS", "SCALE", "TYPES", "WHENS", "answer_text",
    "asked", "chosen", "clean_answers", "keep_valid", "question_from_dict", "questions_from_list",
    "screening_question", "summary", "unanswered", "validate_answers",
]
