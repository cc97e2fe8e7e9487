"""Roland-Morris Disability Questionnaire: 24 statements, the score is how many are ticked.

The wording is quoted word for word from the published form, instructions included: a
reworded questionnaire is no longer the validated one, so nobody "improves" these
strings. Items are kept in the published order (index 0 is item 1).
"""

from __future__ import annotations

from patients.instruments.base import Instrument, Score, _bool, _items, items_shape

# --- Roland-Morris (quoted) ------------------------------------------------------
#
# The English original distributed by the authors (rmdq.org, "English (original)"),
# checked against the PhenX Toolkit's copy (protocol 171601) and other independent
# transcriptions. Two typographic points where copies differ: item 4 has no comma
# after "Because of my back" in the authors' file (PhenX adds one); item 9 reads
# "than usual" as in PhenX, where the authors' file has the typing slip "then".
# Answer options: a tick against the sentence, or the space left blank.

RMDQ_INSTRUCTIONS: tuple[str, ...] = (
    "When your back hurts, you may find it difficult to do some of the things you normally do.",
    "This list contains sentences that people have used to describe themselves when "
    "they have back pain. When you read them, you may find that some stand out because "
    "they describe you today.",
    "As you read the list, think of yourself today. When you read a sentence that "
    "describes you today, put a tick against it. If the sentence does not describe you, "
    "then leave the space blank and go on to the next one. Remember, only tick the "
    "sentence if you are sure it describes you today.",
)

# Published order matters: the score is a count, but reports name items by number.
RMDQ_ITEMS: tuple[str, ...] = (
    "I stay at home most of the time because of my back.",
    "I change position frequently to try and get my back comfortable.",
    "I walk more slowly than usual because of my back.",
    "Because of my back I am not doing any of the jobs that I usually do around the house.",
    "Because of my back, I use a handrail to get upstairs.",
    "Because of my back, I lie down to rest more often.",
    "Because of my back, I have to hold on to something to get out of an easy chair.",
    "Because of my back, I try to get other people to do things for me.",
    "I get dressed more slowly than usual because of my back.",
    "I only stand for short periods of time because of my back.",
    "Because of my back, I try not to bend or kneel down.",
    "I find it difficult to get out of a chair because of my back.",
    "My back is painful almost all the time.",
    "I find it difficult to turn over in bed because of my back.",
    "My appetite is not very good because of my back pain.",
    "I have trouble putting on my socks (or stockings) because of the pain in my back.",
    "I only walk short distances because of my back.",
    "I sleep less well because of my back.",
    "Because of my back pain, I get dressed with help from someone else.",
    "I sit down for most of the day because of my back.",
    "I avoid heavy jobs around the house because of my back.",
    "Because of my back pain, I am more irritable and bad tempered with people than usual.",
    "Because of my back, I go upstairs more slowly than usual.",
    "I stay in bed most of the time because of my back.",
)


def score_rmdq(answers: object) -> Score:
    items = _items("rmdq", answers, 24)
    ticked = [_bool("rmdq", i, item) for i, item in enumerate(items, 1)]
    return Score(code="rmdq", value=sum(ticked), valid=True)


INSTRUMENT = Instrument(
    code="rmdq",
    name="Roland-Morris Disability Questionnaire",
    short_name="RMDQ",
    higher_is_better=False,
    mcid=5,
    has_percent_rule=True,
    min_value=0,
    max_value=24,
    unit="/24",
    citation=(
        "Roland M, Morris R. A study of the natural history of back pain. Part I: "
        "development of a reliable and sensitive measure of disability in low-back pain. "
        "Spine 1983;8:141–144."
    ),
    items=RMDQ_ITEMS,
    instructions=RMDQ_INSTRUCTIONS,
    quoted=True,
    # "1" was our paraphrase of the items; "2" is the published wording.
    form_version="2",
    patient_completable=True,
    shape=items_shape(RMDQ_ITEMS, "tick", required=False, read=bool),
    scorer=score_rmdq,
)
