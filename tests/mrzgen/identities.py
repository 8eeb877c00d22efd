"""Random but valid identities and the MRZ lines ICAO 9303 prescribes for them."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache

SURNAMES = ["MUELLER", "SCHMIDT", "SCHNEIDER", "FISCHER", "WEBER", "MEYER", "WAGNER", "BECKER", "SCHULZ", "HOFFMANN",
            "KOCH", "RICHTER", "KLEIN", "WOLF", "SCHROEDER", "NEUMANN", "SCHWARZ", "ZIMMERMANN", "BRAUN", "KRUEGER",
            "HARTMANN", "LANGE", "SCHMITT", "WERNER", "KRAUSE", "MEIER", "LEHMANN", "HUBER", "KAYA", "YILMAZ",
            "NOWAK", "KOWALSKI", "OEZDEMIR", "VON<DER<HEIDE", "MUSTERMANN", "GROSSKOPF", "QUAST", "JAEGER", "OBST"]
GIVEN = ["ANNA", "MARIA", "LUKAS", "LEON", "EMMA", "MIA", "FELIX", "JONAS", "SOPHIE", "PAUL", "ELIAS", "HANNAH",
         "NOAH", "LINA", "BEN", "ZOE", "JUERGEN", "GOEKHAN", "XAVER", "QUIRIN", "VIKTORIA", "OSKAR", "ERIKA", "IDA",
         "YUSUF", "WILHELM", "KARL<HEINZ", "ANNE<KATHRIN", "BJOERN", "SOEREN"]
# Names no frame of the training or evaluation sets carries: the line models (``hardware/mrz/train_lines.py``)
# were trained on generated frames, so they may have learnt the names above. Same list lengths as above, so a
# seed draws the same document, pose and conditions with either list and only the names differ.
UNSEEN_SURNAMES = ["BAUER", "SCHAEFER", "KOENIG", "HERRMANN", "WALTER", "PETERS", "MAYER", "FUCHS", "SCHOLZ",
                   "MOELLER", "WEISS", "JUNG", "HAHN", "VOGEL", "FRIEDRICH", "KELLER", "GUENTHER", "FRANK", "BERGER",
                   "WINKLER", "ROTH", "BECK", "LORENZ", "BAUMANN", "ALBRECHT", "LUDWIG", "SIMON", "BOEHM", "CELIK",
                   "SAHIN", "DEMIR", "SZYMANSKI", "DE<LA<CRUZ", "ZAJAC", "PAPADOPOULOS", "NGUYEN", "JOVANOVIC",
                   "EL<KHOURY", "QUIRINGS"]
UNSEEN_GIVEN = ["LAURA", "JULIA", "TIM", "MAX", "NIKLAS", "FINN", "CLARA", "LEA", "MILA", "EMIL", "THEO", "LOUIS",
                "AYSE", "MEHMET", "FATIMA", "OLGA", "PIOTR", "DMYTRO", "INGRID", "GUNTHER", "HANS<PETER",
                "MARIE<LUISE", "KATHARINA", "BENEDIKT", "ZEYNEP", "QUENTIN", "XENIA", "YVONNE", "WALTRAUD", "JOHANN"]


NAME_LISTS = {"list": (SURNAMES, GIVEN), "unseen": (UNSEEN_SURNAMES, UNSEEN_GIVEN)}


def _random_name(rng: random.Random) -> str:
    """2-12 letters: half of them mostly alternating consonants and vowels, half any letters."""
    vowels, consonants = "AEIOUY", "BCDFGHJKLMNPQRSTVWXZ"
    k, length = rng.random(), rng.randint(2, 12)
    if k < 0.5:
        return "".join(rng.choice(vowels if i % 2 else consonants) if rng.random() < 0.8
                       else rng.choice(vowels + consonants) for i in range(length))
    return "".join(rng.choice(vowels + consonants) for _ in range(length))


@cache
def _random_lists() -> tuple[list[str], list[str]]:
    """Training names for the context line model (``hardware/mrz/train_lines.py``): a model that sees ten
    characters could learn a list of names, so half of its frames carry these instead. Drawn on first use only
    (~25 ms): every test imports the generator, only training needs them."""
    rng = random.Random(4711)
    surnames = [_random_name(rng) for _ in range(3000)]
    surnames = [s if rng.random() > 0.08 else s + "<" + _random_name(rng) for s in surnames]
    return surnames, [_random_name(rng) for _ in range(3000)]


def name_lists(names: str) -> tuple[list[str], list[str]]:
    """Surnames and given names for ``names``: a key of ``NAME_LISTS``, or ``random``."""
    return _random_lists() if names == "random" else NAME_LISTS[names]


COUNTRIES = ["D", "AUT", "FRA", "NLD", "BEL", "POL", "ITA", "ESP", "CZE", "TUR", "UTO", "GBR", "USA", "CHE", "UKR"]
GERMAN_NUMBER = "0123456789CFGHJKLMNPRTVWXYZ"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _value(ch: str) -> int:
    return 0 if ch == "<" else int(ch, 36)


def check(data: str) -> str:
    """ICAO 9303 check digit, written independently of hardware.mrz."""
    weights = [7, 3, 1]
    return str(sum(_value(c) * weights[i % 3] for i, c in enumerate(data)) % 10)


def _pad(s: str, n: int) -> str:
    return (s + "<" * n)[:n]


@dataclass(frozen=True)
class Identity:
    type: str
    lines: tuple[str, ...]
    document_number: str
    issuing_state: str
    nationality: str
    surname: str
    given_names: str
    birth_date: dt.date
    expiry_date: dt.date
    sex: str  # "M", "F", "X"


def _date(d: dt.date) -> str:
    return d.strftime("%y%m%d")


# Dates are drawn around a fixed day, not the day of the run: a seed must give the same document every day, or
# the benchmark sets (and any frame a note names) change overnight - birth and expiry dates move, and with them
# the glyphs and check digits.
REFERENCE_DAY = dt.date(2026, 11, 23)


def random_identity(rng: random.Random, kind: str | None = None, today: dt.date | None = None,
                    names: str = "list") -> Identity:
    """A valid identity of ``kind`` TD1/TD2/TD3 (random if None); German documents are the most frequent.
    ``names``: see :func:`name_lists`."""
    today = today or REFERENCE_DAY
    surnames, given_names = name_lists(names)
    kind = kind or rng.choice(["TD1", "TD1", "TD2", "TD3", "TD3"])
    state = "D" if rng.random() < 0.5 else rng.choice(COUNTRIES)
    nationality = state if rng.random() < 0.8 else rng.choice(COUNTRIES)
    surname = rng.choice(surnames)
    if rng.random() < 0.15:
        surname += "<" + rng.choice(surnames)
    given = "<".join(rng.sample(given_names, rng.choice([1, 1, 2])))
    birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(0, (today - dt.date(1935, 1, 1)).days - 16 * 365))
    expiry = today + dt.timedelta(days=rng.randrange(-3 * 365, 10 * 365))
    sex = rng.choice("MF<") if state == "D" else rng.choice("MMFFX<")
    sex = "<" if sex == "X" else sex
    if state == "D":
        first = "C" if kind == "TD3" else rng.choice("LMNPRTVWXY")
        number = first + "".join(rng.choice(GERMAN_NUMBER) for _ in range(8))
    else:
        number = "".join(rng.choice(ALNUM) for _ in range(rng.choice([8, 9, 9])))
    num9 = _pad(number, 9)
    names_len = {"TD1": 30, "TD2": 31, "TD3": 39}[kind]
    names = _pad(f"{surname}<<{given}", names_len)
    code = {"TD1": "ID" if state == "D" else rng.choice(["I<", "ID", "IR"]),
            "TD2": rng.choice(["I<", "IR", "AC"]), "TD3": "P<"}[kind]
    st, nat = _pad(state, 3), _pad(nationality, 3)
    b, e = _date(birth), _date(expiry)
    if kind == "TD1":
        opt1 = "<" * 15 if state == "D" else _pad("".join(rng.choice(ALNUM) for _ in range(rng.randrange(0, 12))), 15)
        opt2 = "<" * 11 if rng.random() < 0.7 else _pad("".join(rng.choice(ALNUM) for _ in range(6)), 11)
        l1 = f"{code}{st}{num9}{check(num9)}{opt1}"
        l2 = f"{b}{check(b)}{sex}{e}{check(e)}{nat}{opt2}"
        l2 += check(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
        lines: tuple[str, ...] = (l1, l2, names)
    elif kind == "TD2":
        opt = "<" * 7 if rng.random() < 0.7 else _pad("".join(rng.choice(ALNUM) for _ in range(5)), 7)
        l2 = f"{num9}{check(num9)}{nat}{b}{check(b)}{sex}{e}{check(e)}{opt}"
        l2 += check(l2[0:10] + l2[13:20] + l2[21:35])
        lines = (f"{code}{st}{names}", l2)
    else:
        personal = "<" * 14 if rng.random() < 0.6 else _pad("".join(rng.choice(ALNUM) for _ in range(10)), 14)
        pcheck = ("<" if rng.random() < 0.5 else "0") if personal == "<" * 14 else check(personal)
        l2 = f"{num9}{check(num9)}{nat}{b}{check(b)}{sex}{e}{check(e)}{personal}{pcheck}"
        l2 += check(l2[0:10] + l2[13:20] + l2[21:43])
        lines = (f"{code}{st}{names}", l2)
    printed_surname, _, printed_given = names.partition("<<")  # long names are truncated in the MRZ
    return Identity(kind, lines, number, state, nationality, printed_surname.replace("<", " ").strip(),
                    printed_given.replace("<", " ").strip(), birth, expiry, "X" if sex == "<" else sex)
