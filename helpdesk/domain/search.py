"""Looking a call up across the record: what the words typed are (a call number, a URN, a phone
number in any written form, an inspection reference, or words of the caller's name, the school's
name, the summary, the outcome and the advice), and how the words become a full-text query."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from helpdesk.domain.call import CALL_NUMBER
from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.refusals import Refused

LONGEST = 200  # characters of a look-up
MOST_WORDS = 8
WORD = re.compile(r"\w+", re.UNICODE)
DIGITS = re.compile(r"\d")


class LookUpInvalid(Refused):
    """Nothing to look up; str() says what is expected."""


@dataclass(frozen=True)
class LookUp:
    typed: str
    number: int | None = None  # a call number
    urn: str | None = None  # six digits: a school's URN (a call number too)
    phone: str | None = None  # E.164
    reference: str | None = None  # an inspection reference, as typed (matched exactly, any case)
    words: tuple[str, ...] = ()  # full-text words, folded and accent-free, each matched as a prefix

    @property
    def kind(self) -> str:
        """What kind of field was looked up (the audit trail keeps this, never the text)."""
        for kind, value in (("phone", self.phone), ("urn", self.urn), ("number", self.number)):
            if value:
                return kind
        return "words"


def fold(word: str) -> str:
    """Lower case, accents off ("Zoë" finds "Zoe" and "zoë")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def look_up(typed: str) -> LookUp:
    """What the typed words look for. A call number ("4512", "#4512", "call 4512"), six digits
    (a URN, or a call number), a UK phone number written any usual way, or words; words are
    also tried as an inspection reference."""
    text = typed.strip()
    if not text:
        raise LookUpInvalid("Type a call number, a URN, a phone number, a name or words to look for")
    if len(text) > LONGEST:
        raise LookUpInvalid(f"At most {LONGEST} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise LookUpInvalid("One line of plain text, please")
    digits = "".join(DIGITS.findall(text))
    if len(digits) >= 10:
        try:
            return LookUp(text, phone=parse_gb_phone(text))
        except PhoneInvalid:
            pass
    if re.fullmatch(r"\d{6}", text):
        return LookUp(text, number=int(text), urn=text)
    if (found := CALL_NUMBER.fullmatch(text)) is not None and int(found.group(1)):
        return LookUp(text, number=int(found.group(1)))
    words = tuple(dict.fromkeys(fold(word) for word in WORD.findall(text)))[:MOST_WORDS]
    if not words:
        raise LookUpInvalid("Type letters or digits to look for")
    return LookUp(text, reference=text, words=words)


def fts5_query(words: tuple[str, ...]) -> str:
    """SQLite FTS5: every word, each as a prefix ("gra" finds Grace), all of them."""
    return " AND ".join(f'"{word}"*' for word in words)


def tsquery(words: tuple[str, ...]) -> str:
    """PostgreSQL to_tsquery('simple', …): every word, each as a prefix, all of them."""
    return " & ".join(f"{word}:*" for word in words)
