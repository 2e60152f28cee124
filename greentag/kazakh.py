"""Kazakh words: a small suffix stripper and a list of function words.

Kazakh is agglutinative: one noun appears as ``дәліз``, ``дәліздер``,
``дәлізінің``, ``дәліздері арқылы``... NLTK has no Kazakh Snowball stemmer, so
:func:`stem` peels the commonest inflections off the end of a word (case,
possessive, plural, a few verb forms), longest first, while a stem of at least
three letters (four for the short, ambiguous endings) remains. Derivational
suffixes (``-лық``, ``-шы``) are kept: they change the meaning (``сауда`` trade,
``саудагер`` trader). ``benchmarks/kazakh_stemming.py`` compares this with
character n-grams inside words on the seed corpus.
"""

from __future__ import annotations

__all__ = ["STOP_WORDS", "char_ngrams", "stem"]

_VOWELS = frozenset("аәеёиоөуұүыіэюя")

# Inflections, grouped as they stack at the end of a word: case after
# possessive after plural. Within a group, longer endings come first.
_CASE = [
    *["ның", "нің", "дың", "дің", "тың", "тің"],  # genitive
    *["ынан", "інен", "нан", "нен", "дан", "ден", "тан", "тен"],  # ablative
    *["ында", "інде", "нда", "нде", "да", "де", "та", "те"],  # locative
    *["ына", "іне", "ға", "ге", "қа", "ке", "на", "не"],  # dative
    *["ын", "ін", "ны", "ні", "ды", "ді", "ты", "ті"],  # accusative
    *["мен", "бен", "пен"],  # instrumental
    *["дай", "дей", "тай", "тей", "ша", "ше"],  # comparative
]
_POSSESSIVE = ["ымыз", "іміз", "ыңыз", "іңіз", "мыз", "міз", "ңыз", "ңіз", "сы", "сі", "ым", "ім", "ың", "ің"]
_PLURAL = ["лар", "лер", "дар", "дер", "тар", "тер"]
# Participles take the same last place as a case ending ("салынған").
_PARTICIPLE = ["ған", "ген", "қан", "кен"]
# The possessive -ы/-і after a consonant strips only from long words.
_SHORT_POSSESSIVE = ("ы", "і")
_MIN_STEM = 3

#: Function words written for greentag: conjunctions, postpositions, pronouns
#: and auxiliaries that say nothing about a news story's topic.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "және",
        "мен",
        "бен",
        "пен",
        "да",
        "де",
        "та",
        "те",
        "әрі",
        "не",
        "немесе",
        "бірақ",
        "алайда",
        "сондай",
        "ақ",
        "яғни",
        "өйткені",
        "себебі",
        "үшін",
        "туралы",
        "бойынша",
        "арқылы",
        "сияқты",
        "секілді",
        "дейін",
        "кейін",
        "бері",
        "соң",
        "қарай",
        "шейін",
        "бұл",
        "осы",
        "сол",
        "ол",
        "олар",
        "біз",
        "сіз",
        "сен",
        "мен",
        "оның",
        "олардың",
        "біздің",
        "бұның",
        "осының",
        "соның",
        "өз",
        "өзі",
        "өзінің",
        "барлық",
        "әр",
        "әрбір",
        "кейбір",
        "бірнеше",
        "көп",
        "аз",
        "ең",
        "тағы",
        "енді",
        "әлі",
        "қазір",
        "бар",
        "жоқ",
        "емес",
        "еді",
        "екен",
        "болып",
        "болды",
        "болады",
        "болатын",
        "болса",
        "болған",
        "бола",
        "деп",
        "деді",
        "дейді",
        "еткен",
        "етті",
        "етеді",
        "етіп",
        "етілді",
        "жатыр",
        "тұр",
        "отыр",
        "қана",
        "ғана",
        "ма",
        "ме",
        "ба",
        "бе",
        "па",
        "пе",
        "ше",
    ]
)


def stem(word: str) -> str:
    """Return the stem of a lowercase Kazakh word.

    Endings stack outwards as plural, possessive, case, so they are peeled
    in the opposite order, each at most once.

    Examples
    --------
    >>> stem("дәліздерінің")
    'дәліз'
    >>> stem("саудасы")
    'сауда'
    >>> stem("теміржолшылар")
    'теміржолшы'
    >>> stem("қазақстанның")
    'қазақстан'
    """
    word = _strip(word, (*_CASE, *_PARTICIPLE))
    word = _strip(word, _POSSESSIVE)
    if len(word) >= 6 and word.endswith(_SHORT_POSSESSIVE) and word[-2] not in _VOWELS:
        word = word[:-1]
    return _strip(word, _PLURAL)


def _strip(word: str, endings: tuple[str, ...] | list[str]) -> str:
    for ending in endings:
        # Short endings are ambiguous ("сауда" is not "сау" + "да"): they need a longer stem.
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM + (len(ending) <= 2):
            if ending[0] == "т" and word[-len(ending) - 1] == "с":
                continue  # "-стан" is a country, not an ablative: Қазақстан, Өзбекстан
            return word[: -len(ending)]
    return word


def char_ngrams(word: str, n: int = 4) -> list[str]:
    """Return the character ``n``-grams of a word, the first marked by ``<``.

    The alternative to :func:`stem` that ``benchmarks/kazakh_stemming.py``
    measures: shared n-grams tie inflected forms together without knowing
    the grammar.

    Examples
    --------
    >>> char_ngrams("дәлізі")
    ['<дәлі', 'әліз', 'лізі']
    """
    if len(word) <= n:
        return [f"<{word}"]
    return [f"<{word[:n]}", *(word[i : i + n] for i in range(1, len(word) - n + 1))]
