"""Hostile values and whole submissions: valid field values with some swapped for hostile
ones, fields dropped, random keys added, odd uploads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from hypothesis import strategies as st

TODAY = timezone.localdate()

# --------------------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------------------

HOSTILE_STRINGS = (
    "",
    " ",
    "   \t\n\r  ",
    "\x00",
    "a\x00b",
    "\x00" * 16,
    "\x1b[31m\x07\x08",
    "null",
    "None",
    "undefined",
    "true",
    "False",
    "on",
    "' OR '1'='1",
    "1; DROP TABLE clinic_user; --",
    '" OR 1=1 --',
    "%' AND 1=1 --",
    "1 UNION SELECT password FROM clinic_user",
    "Robert'); DELETE FROM patients_patient;--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",
    "${7*7}#{7*7}%s%n%x",
    "../../../../etc/passwd",
    "\u202egnp.exe",
    # Arabic inside an explicit right-to-left embedding
    "\u202b\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645\u202c",
    "שלום עולם",
    "😀👍🏽🇬🇧👨‍👩‍👧",
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522",  # Fraktur
    "\ufeffBOM",
    "\u200b\u200c\u200d\u2060",
    "\u03a9\u2248\u00e7\u221a\u222b\u02dc\u00b5\u2264\u2265\u00f7",
    "\uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48",  # fullwidth letters
    "\u0130\u0131\u017f\u212a",  # case-folding traps
    "e\u0301\u0301\u0301",
    "\U0010ffff\ufffe\uffff",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "0x1A",
    "0b101",
    "1_000",
    "1,5",
    "1.5.5",
    "--1",
    "+-1",
    " 7 ",
    "7\x00",
    "\uff11\uff12",  # fullwidth digits
    "١٢٣",
    "²",
    "½",
    "Ⅻ",
    "0",
    "-0",
    "-0.0",
    "0.05",
    "3.14159265358979323846",
    "-1",
    "11",
    "101",
    "32767",
    "32768",
    "65536",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 400,
    "9" * 5000,
    "0000-00-00",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "1989-12-31",
    "2024-02-29",
    "2023-02-29",
    "31/12/2020",
    "12/31/2020",
    "2020-13-01",
    "2020-00-10",
    "-2020-01-01",
    "20200101",
    "2020-1-1",
    "10000-01-01",
    "1970-01-01T00:00:00Z",
    (TODAY + timedelta(days=1)).isoformat(),
    (TODAY - timedelta(days=3650)).isoformat(),
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "not-a-uuid",
    "{12345678-1234-5678-1234-567812345678}",
    "a@b",
    "@example.test",
    "x@y..z",
    "ü@例え.テスト",
    "a" * 65 + "@example.test",
    "x" * 250 + "@example.test",
    "admin.a@example.test",
    "CLIN.A@EXAMPLE.TEST",
    "amara.okafor@example.test",
    "bea.silva@example.test",
    "add:not-a-uuid",
    "remove:-1",
    "up:999999",
    "down:",
    "save",
)

# Repeated into huge strings (up to 10,000 characters).
HUGE_UNITS = ("a", "é", "😀", "\x00", "<b>", "'", "1", "9", " ", "ש", "\u202e", "A b ")

# Every character but lone surrogates (Cs), which are all that UTF-8 cannot encode. Naming
# the codec as well (codec="utf-8") allows the same characters, but makes Hypothesis list
# every one of the 1.1 million code points first, 2.7 s in each new process.
# Hypothesis's own default alphabet for text() names the codec too: every text strategy
# here takes one of these two.
any_characters = st.characters(exclude_categories=("Cs",))
safe_characters = st.characters(exclude_categories=("Cs", "Cc"))
safe_text = st.text(alphabet=safe_characters, max_size=30)
any_text = st.text(alphabet=any_characters, max_size=40)
huge_strings = st.builds(
    lambda unit, size: (unit * size)[:size],
    st.sampled_from(HUGE_UNITS),
    st.one_of(st.integers(200, 10_000), st.just(10_000)),
)
number_strings = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1000, 1000).map(lambda x: f"{x:.3f}"),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
hostile_scalar = st.one_of(
    st.sampled_from(HOSTILE_STRINGS), number_strings, huge_strings, any_text, safe_text
)
hostile_value = st.one_of(hostile_scalar, st.lists(hostile_scalar, min_size=0, max_size=4))

EXTRA_KEYS = (
    "id",
    "pk",
    "uuid",
    "clinic",
    "clinic_id",
    "user",
    "user_id",
    "patient",
    "is_staff",
    "is_superuser",
    "is_active",
    "role",
    "status",
    "created_by",
    "password",
    "email",
    "csrfmiddlewaretoken",
    "next",
    "action",
    "confirm",
    "delete",
    "DELETE",
    "items-0-DELETE",
    "items-TOTAL_FORMS",
    "items-MAX_NUM_FORMS",
    "items-99-exercise",
    "large",
    "all_done",
    "done_999999",
    "done_-1",
    "sets_abc",
    "reps_0",
    "section_11",
    "item_25",
    "rating_6",
    "activity_0",
    "logo",
    "photo",
    "template",
    "copy",
    "blank",
    "revision",
    "q",
    "category",
    "page",
    "delivery",
    "code",
    "score",
    "__proto__",
    "a[b]",
    'quote"key',
    "new\r\nline",
    "nul\x00key",
    "ключ",
)
# Keys some views parse themselves ("done_<item id>", formset rows), with odd numbers.
numbered_keys = st.builds(
    lambda stem, number: f"{stem}{number}",
    st.sampled_from(("done_", "sets_", "reps_", "item_", "section_", "rating_", "items-")),
    st.one_of(
        st.integers(-10, 10**30).map(str),
        st.just("9" * 5000),  # longer than Python's 4,300-digit int() limit
        st.sampled_from(("9" * 4300, "\u0661\u0662", "\uff10", "1e3", "0x1", "")),
    ),
)
extra_keys = st.one_of(
    st.sampled_from(EXTRA_KEYS),
    numbered_keys,
    numbered_keys,
    st.text(any_characters, min_size=1, max_size=20),
)

MODES = ("valid", "valid", "one_off", "one_off", "mixed", "hostile")

# The smallest valid PNG (1x1, transparent).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@dataclass(frozen=True)
class Upload:
    """A file to post (multipart only); built fresh for every request."""

    name: str
    content: bytes


uploads = st.builds(
    Upload,
    st.sampled_from(
        ("photo.png", "logo.JPG", "x.gif", "../../evil.png", "ünï 😀.webp", "a" * 300 + ".png")
    ),
    st.one_of(
        st.just(TINY_PNG),
        st.just(TINY_PNG[:40]),  # truncated
        st.just(b""),
        st.just(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        st.just(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        st.binary(max_size=64),
        st.binary(max_size=8).map(lambda tail: TINY_PNG[:16] + tail + TINY_PNG[16:]),
    ),
)


# The strategies a submission draws from, built once: a strategy made inside a draw is
# validated again on every example, which cost a fifth of the fuzzer's time.
modes = st.sampled_from(MODES)
hows = st.sampled_from(("hostile", "hostile", "missing", "list"))
one_in_four = st.integers(0, 3)
# A value sent several times: None stands for the field's own value.
repeated_values = st.lists(st.one_of(st.none(), hostile_scalar), min_size=2, max_size=4)


def submissions(
    valid: st.SearchStrategy[dict], tricky: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """A valid-looking submission with some values made hostile, some keys dropped and
    some random keys added."""
    hostile = st.one_of(hostile_value, st.sampled_from(tricky)) if tricky else hostile_value
    return _submission(valid, hostile, st.dictionaries(extra_keys, hostile, max_size=4))


@st.composite
def _submission(
    draw: Callable,
    valid: st.SearchStrategy[dict],
    hostile: st.SearchStrategy,
    extras: st.SearchStrategy[dict],
) -> dict[str, Any]:
    data = dict(draw(valid))
    mode = draw(modes)
    keys = sorted(data)
    if mode == "valid" or not keys:
        targets: list[str] = []
    elif mode == "one_off":
        targets = [keys[draw(st.integers(0, len(keys) - 1))]]
    elif mode == "mixed":
        targets = [key for key in keys if draw(one_in_four) == 0]
    else:
        targets = keys
    for key in targets:
        how = draw(hows)
        if how == "missing":
            del data[key]
        elif how == "list":
            original = data[key] if isinstance(data[key], str) else ""
            data[key] = [original if v is None else v for v in draw(repeated_values)]
        else:
            data[key] = draw(hostile)
    if mode != "valid" or not keys:
        for key, value in draw(extras).items():
            data.setdefault(key, value)
    return data
