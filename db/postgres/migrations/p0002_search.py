"""Version 2 of a server case: full-text search, with the words a case file's index would hold.

A case file indexes each kind's text with FTS5's ``unicode61`` tokenizer (``remove_diacritics
2``): a word is a run of letters and digits, lower case, accents folded. Here ``casefile_words``
turns a record's indexed fields into the same words as a ``tsvector`` (the ``simple``
configuration: no stemming, no stop words), and a GIN index over it per kind lets
``to_tsquery`` find prefixes quickly. The index is on the expression, so PostgreSQL keeps it as
records change (no trigger, no extra column: the tables stay exactly the declared ones).

Accents are folded by ``translate`` with the table below, the single-letter folds FTS5 makes
(taken from its tokenizer, then frozen here), rather than by the ``unaccent`` extension: it
folds exactly as a case file does, and needs no extension nor a schema shared between cases.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 2
DESCRIPTION = "full-text search: a GIN index of each kind's words"

# Each kind's table and its indexed fields, in the order of its case file's full-text table.
INDEXED: dict[str, tuple[str, ...]] = {
    "source": ("title", "publisher", "author", "url", "notes"),
    "actor": ("name", "role", "description", "tags"),
    "statement": ("text", "venue", "notes", "tags", "locator"),
    "directive": ("identifier", "title", "summary", "provisions", "tags"),
    "timeline_entry": ("title", "description", "tags", "locator"),
}

# Text past this many characters of a record is not indexed: a tsvector holds at most 1 MB.
MAX_INDEXED = 200_000

FOLD_FROM = (
    "µÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄą"
    "ĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐ"
    "őŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙ"
    "ǚǛǜǞǟǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯ"
    "ȰȱȲȳͿςϐϑϕϖϰϱϵԨԪԬԮᎠᎡᎢᎣᎤᎥᎦᎧᎨᎩᎪᎫᎬᎭᎮᎯᎰᎱᎲᎳᎴᎵᎶᎷᎸᎹᎺᎻᎼᎽᎾᎿᏀᏁᏂᏃᏄᏅᏆᏇᏈᏉᏊ"
    "ᏋᏌᏍᏎᏏᏐᏑᏒᏓᏔᏕᏖᏗᏘᏙᏚᏛᏜᏝᏞᏟᏠᏡᏢᏣᏤᏥᏦᏧᏨᏩᏪᏫᏬᏭᏮᏯᏰᏱᏲᏳᏴᏵᲐᲑᲒᲓᲔᲕᲖᲗᲘᲙᲚᲛᲜᲝᲞᲟᲠ"
    "ᲡᲢᲣᲤᲥᲦᲧᲨᲩᲪᲫᲬᲭᲮᲯᲰᲱᲲᲳᲴᲵᲶᲷᲸᲹᲺᲽᲾᲿḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞ"
    "ḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚ"
    "ṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖ"
    "ẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗ"
    "ỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹιÅⰯ"
)
FOLD_TO = (
    "μaaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaa"
    "ccccccccddeeeeeeeeeegggggggghhiiiiiiiiijjkkllllllnnnnnnooooo"
    "orrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouuaaiioouuuuuuu"
    "uuuaaggkkoooojggnnaaaaaaeeeeiiiioooorrrruuuusstthhaaeeoooooo"
    "ooyyͿσβθφπκρεԨԪԬԮᎠᎡᎢᎣᎤᎥᎦᎧᎨᎩᎪᎫᎬᎭᎮᎯᎰᎱᎲᎳᎴᎵᎶᎷᎸᎹᎺᎻᎼᎽᎾᎿᏀᏁᏂᏃᏄᏅᏆᏇᏈᏉᏊ"
    "ᏋᏌᏍᏎᏏᏐᏑᏒᏓᏔᏕᏖᏗᏘᏙᏚᏛᏜᏝᏞᏟᏠᏡᏢᏣᏤᏥᏦᏧᏨᏩᏪᏫᏬᏭᏮᏯᏰᏱᏲᏳᏴᏵᲐᲑᲒᲓᲔᲕᲖᲗᲘᲙᲚᲛᲜᲝᲞᲟᲠ"
    "ᲡᲢᲣᲤᲥᲦᲧᲨᲩᲪᲫᲬᲭᲮᲯᲰᲱᲲᲳᲴᲵᲶᲷᲸᲹᲺᲽᲾᲿaabbbbbbccddddddddddeeeeeeeeeef"
    "fgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrr"
    "rrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzh"
    "twysaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooo"
    "oooooooooooouuuuuuuuuuuuuuyyyyyyyyιaⰯ"
)

assert len(FOLD_FROM) == len(FOLD_TO) and (FOLD_FROM + FOLD_TO).isalnum()  # safe inside SQL quotes


def words_sql(text: str) -> str:
    """The words of ``text`` (an SQL expression, read once) as ``casefile_words`` makes them:
    letters and digits kept, everything else a space, so PostgreSQL's parser sees plain words as
    FTS5 does. ``translate`` with a long table costs a millisecond a record, so text that is all
    ASCII (as many bytes as characters) skips it."""
    fold = f"translate(t, '{FOLD_FROM}', '{FOLD_TO}')"
    folded = f"CASE WHEN octet_length(t) = length(t) THEN t ELSE {fold} END"
    words = f"to_tsvector('pg_catalog.simple'::regconfig, regexp_replace({folded}, '[^[:alnum:]]+', ' ', 'g'))"
    return f"SELECT {words} FROM (SELECT left({text}, {MAX_INDEXED}) AS t) AS record"


def run(conn: Connection) -> None:
    """The words function and one GIN index per kind."""
    # COST: making a record's words takes tens of microseconds, about a thousand simple
    # operations; told less, the planner reads every record's words rather than the index.
    conn.execute(
        sa.text(
            "CREATE FUNCTION casefile_words(VARIADIC parts text[]) RETURNS tsvector "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 "
            f"AS $$ {words_sql('array_to_string(parts, chr(10))')} $$"
        )
    )
    for table, columns in INDEXED.items():
        conn.execute(sa.text(f"CREATE INDEX {table}_words ON {table} USING gin (casefile_words({', '.join(columns)}))"))
