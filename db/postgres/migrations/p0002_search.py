"""Version 2 of a server case: full-text search, with the words a case file's index would hold.

A case file indexes each kind's text with FTS5's ``unicode61`` tokenizer (``remove_diacritics
2``): a word is a run of letters and digits, lower case, accents folded. Here ``casefile_words``
turns a record's indexed fields into the same words as a ``tsvector`` (the ``simple``
configuration: no stemming, no stop words), with the first one and two letters of each word
added as lexemes of their own (``*m``, ``*me``), so a word of one or two letters typed is one
entry of the index rather than a merge of every word it starts (as a case file's FTS5 prefix
index spares it).

Each kind's words are stored, by row number, in a table of their own (``statement_words``...)
with a GIN index, kept by statement triggers on the kind's table: a search reads and ranks the
stored words instead of making them again for every record it looks at (tens of microseconds
each, a tenth of a second for a common word), and the records' tables stay exactly the declared
ones, so exports, copies, versions and history never see the words. While a case is copied in
(``publish``) the triggers stand aside and ``fill_words`` makes every record's words at the end,
then builds the indexes whole.

Accents are folded by ``translate`` with the table below, the single-letter folds FTS5 makes
(taken from its tokenizer, then frozen here), rather than by the ``unaccent`` extension: it
folds exactly as a case file does, and needs no extension nor a schema shared between cases.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

from .p0003_sort_names import COPYING

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

# Not while a case is copied in (``publish``): its words are made at the end, all at once.
_LIVE = f"pg_catalog.current_setting('{COPYING}', true) IS DISTINCT FROM 'on'"

# Each kind's words table is its table's name and this: the server's bookkeeping, not declared.
WORDS_COLUMN = "words"

# Prefixes up to this many letters are stored as lexemes of their own (``SHORT_MARK`` before
# them, a character no word holds); longer ones are selective enough to find as prefixes.
SHORT_PREFIX = 2
SHORT_MARK = "*"

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


def prefixes_sql(words: str) -> str:
    """``words`` (a ``tsvector``) with the first one and two letters of each word added as lexemes
    of their own, marked by a leading ``*`` (a prefix query of a word never reaches them, nor do
    they hold a position to upset a phrase): a one- or two-letter prefix typed is then one lexeme
    to look up rather than a merge of every word it starts. ``array_to_tsvector`` drops repeats."""
    lexemes = f"unnest(tsvector_to_array({words})) AS word, generate_series(1, {SHORT_PREFIX}) AS k"
    return f"SELECT {words} || array_to_tsvector(ARRAY(SELECT '{SHORT_MARK}' || left(word, k) FROM {lexemes}))"


# Once per statement, from its transition tables: a CSV import or a publish of many records is one
# INSERT of their words. It runs as the case's owner, so an editor needs no privilege on the words
# tables but reading them; an update that leaves the indexed fields as they were writes nothing.
_KEEP_WORDS = """
CREATE FUNCTION casefile_keep_words() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  words_table text := TG_TABLE_NAME || '_words';
  -- The indexed fields of a row of the transition table ``r``, as casefile_indexed_words takes them.
  fields text := (SELECT string_agg(format('r.%I', c), ', ') FROM unnest(TG_ARGV::text[]) AS c);
  changed text := (SELECT string_agg(format('r.%1$I IS DISTINCT FROM o.%1$I', c), ' OR ')
                   FROM unnest(TG_ARGV::text[]) AS c);
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO %I (n, words) SELECT r.n, casefile_indexed_words(%s) FROM added r',
                   words_table, fields);
  ELSIF TG_OP = 'UPDATE' THEN
    -- Only rows whose indexed text changed: a sort name or version written is no new words.
    EXECUTE format('UPDATE %I w SET words = casefile_indexed_words(%s) FROM added r JOIN removed o USING (n) '
                   'WHERE w.n = r.n AND (%s)', words_table, fields, changed);
  ELSE
    EXECUTE format('DELETE FROM %I w USING removed r WHERE w.n = r.n', words_table);
  END IF;
  RETURN NULL;
END $$
"""


def run(conn: Connection) -> None:
    """The words functions, and per kind a table of each record's words with a GIN index over it."""
    # COST: making a record's words takes tens of microseconds, about a thousand simple
    # operations; told less, the planner would rather make them than read the stored words.
    conn.execute(
        sa.text(
            "CREATE FUNCTION casefile_words(VARIADIC parts text[]) RETURNS tsvector "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 "
            f"AS $$ {words_sql('array_to_string(parts, chr(10))')} $$"
        )
    )
    # Two functions, so a record's words are made once: the second reads its argument twice.
    conn.execute(
        sa.text(
            "CREATE FUNCTION casefile_with_prefixes(words tsvector) RETURNS tsvector "
            f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ {prefixes_sql('words')} $$"
        )
    )
    conn.execute(
        sa.text(
            "CREATE FUNCTION casefile_indexed_words(VARIADIC parts text[]) RETURNS tsvector "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 "
            "AS $$ SELECT casefile_with_prefixes(casefile_words(VARIADIC parts)) $$"
        )
    )
    conn.execute(sa.text(_KEEP_WORDS))
    for table, columns in INDEXED.items():
        words = words_table(table)
        conn.execute(sa.text(f"CREATE TABLE {words} (n integer PRIMARY KEY, words tsvector NOT NULL)"))
        argv = ", ".join(f"'{c}'" for c in columns)
        for event, tables in (
            ("INSERT", "NEW TABLE AS added"),
            ("UPDATE", "NEW TABLE AS added OLD TABLE AS removed"),
            ("DELETE", "OLD TABLE AS removed"),
        ):
            conn.execute(
                sa.text(
                    f"CREATE TRIGGER {table}_words_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {tables} FOR EACH STATEMENT WHEN ({_LIVE}) "
                    f"EXECUTE FUNCTION casefile_keep_words({argv})"
                )
            )
    fill_words(conn)


def fill_words(conn: Connection) -> None:
    """Make the words of every record afresh, then their indexes: for this step, and once a
    case's records are copied in (the triggers stand aside meanwhile), as building an index
    whole is several times faster than growing it a record at a time."""
    for table, columns in INDEXED.items():
        words = words_table(table)
        conn.execute(sa.text(f"DROP INDEX IF EXISTS {words}_index"))
        conn.execute(sa.text(f"DELETE FROM {words}"))
        conn.execute(
            sa.text(
                f"INSERT INTO {words} (n, words) SELECT n, casefile_indexed_words({', '.join(columns)}) FROM {table}"
            )
        )
        # A small list of words not yet merged into the index: every search reads all of it.
        conn.execute(
            sa.text(f"CREATE INDEX {words}_index ON {words} USING gin (words) WITH (gin_pending_list_limit = 256)")
        )
        # Statistics at once: whether to walk the row numbers or collect every match from the
        # index depends on how common a word is.
        conn.execute(sa.text(f"ANALYZE {words}"))


def words_table(table: str) -> str:
    """The table holding the words of each record of ``table``, by row number."""
    return f"{table}_{WORDS_COLUMN}"
