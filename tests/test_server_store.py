"""Team cases on PostgreSQL: addresses, the schema from the declarations, the store's safety."""

from __future__ import annotations

import pytest
from server_fixtures import server, server_url  # noqa: F401  (fixture)

from db.address import AddressError, parse_server_address, redact


def test_an_address_names_the_database_and_the_case_and_keeps_libpq_parameters() -> None:
    where = parse_server_address("postgresql://ann@db.example.org:5433/policy?sslmode=require&case=Meta-Review_2")
    assert where.case == "meta-review_2"
    assert where.schema == "casefile_meta-review_2"
    assert where.url == "postgresql://ann@db.example.org:5433/policy?sslmode=require"
    assert where.database == "policy"


@pytest.mark.parametrize("name", ["x; DROP SCHEMA public CASCADE", 'a"b', "a" * 41, "é", "", "a.b", "casé"])
def test_a_case_name_other_than_letters_digits_dash_underscore_is_refused_plainly(name: str) -> None:
    with pytest.raises(AddressError, match='use only letters, digits, "-" and "_"'):
        parse_server_address(f"postgresql://db.example.org/policy?case={name}")


def test_a_password_never_shows_in_an_address_or_message() -> None:
    where = parse_server_address("postgresql://ann:s3cret@db.example.org/policy?case=x")
    assert "s3cret" not in where.shown and "ann:***@" in where.shown
    assert "s3cret" not in redact("postgresql://db.example.org/policy?password=s3cret&case=x")
    with pytest.raises(AddressError) as refused:
        parse_server_address("postgresql://ann:s3cret@db.example.org/policy")
    assert "s3cret" not in str(refused.value) and "names no case" in str(refused.value)


def test_without_a_server_the_tests_skip_and_on_ci_they_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEFILE_TEST_SERVER", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"scripts/test_postgres\.sh"):
        server_url()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the server tests"):
        server_url()


# ----- on the test server -------------------------------------------------------------------


@pytest.mark.server
def test_the_app_role_is_not_a_superuser(server) -> None:  # noqa: F811
    with server.connect() as conn:
        user, superuser, createrole = conn.execute(
            "SELECT rolname, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert (user, superuser, createrole) == ("casefile_app", False, False)


@pytest.mark.server
def test_the_migrated_server_schema_has_exactly_the_declared_columns(server, sample_path) -> None:  # noqa: F811
    from sqlalchemy.dialects import postgresql
    from sqlmodel import SQLModel

    from db import models  # noqa: F401
    from db.postgres.publish import publish_file

    publish_file(sample_path, server.address())
    schema = parse_server_address(server.address()).schema
    with server.connect() as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            # The server's bookkeeping is not declared: the steps run, the history, record versions,
            # each kind's words.
            "WHERE table_schema = %s AND table_name NOT IN ('casefile_version', 'history') "
            "AND table_name !~ '_words$' "
            "AND column_name <> 'version'",
            (schema,),
        ).fetchall()
        version = conn.execute(f'SELECT max(version) FROM "{schema}".casefile_version').fetchone()[0]
    names = {"VARCHAR": "character varying", "INTEGER": "integer", "BOOLEAN": "boolean", "BYTEA": "bytea"}
    dialect = postgresql.dialect()
    declared = {
        (table.name, column.name, names[column.type.compile(dialect=dialect)], "YES" if column.nullable else "NO")
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
    }
    assert set(rows) == declared
    assert len(rows) == len(declared)
    from db.postgres.migrations import SCHEMA_VERSION

    assert version == SCHEMA_VERSION


@pytest.mark.server
def test_record_text_crafted_as_sql_is_stored_as_text_and_runs_nothing(server) -> None:  # noqa: F811
    from db import records
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.postgres.publish import import_document

    import_document({"format": "casefile", "version": 1, "case": {"title": "Case"}}, server.address())
    crafted = [
        "x'); DROP TABLE actor; --",
        "'; UPDATE case_info SET title = 'PWNED'; --",
        '"; DROP SCHEMA public CASCADE; --',
        "$$; SELECT pg_sleep(10); $$",
        "\\'; DELETE FROM actor; --",
    ]
    with ServerCase.open(server.address()) as case:
        ids = [records.add_record(case, Kind.ACTOR, {"name": text, "role": text, "tags": [text]}) for text in crafted]
        records.update_record(case, Kind.ACTOR, ids[0], {"description": crafted[1]})
        assert [records.get_record(case, Kind.ACTOR, rid)["name"] for rid in ids] == crafted
        assert records.get_record(case, Kind.ACTOR, ids[0])["description"] == crafted[1]
        assert records.get_case(case)["title"] == "Case"
    with server.connect() as conn:
        schema = parse_server_address(server.address()).schema
        assert conn.execute(f'SELECT count(*) FROM "{schema}".actor').fetchone()[0] == len(crafted)


@pytest.mark.server
def test_records_are_added_changed_and_deleted_on_a_server_case(server, sample_path) -> None:  # noqa: F811
    from db import records
    from db.fields import Kind
    from db.postgres.case import ServerCase
    from db.postgres.publish import publish_file

    publish_file(sample_path, server.address())
    with ServerCase.open(server.address()) as case:
        assert not case.read_only and case.display_name == server.address().rsplit("=", 1)[1]
        rid = records.add_record(case, Kind.STATEMENT, {"text": "We will comply.", "verbatim": True})
        assert records.get_record(case, Kind.STATEMENT, rid)["verbatim"] is True
        assert records.update_record(case, Kind.STATEMENT, rid, {"venue": "press call"}) == {"venue": None}
        deleted = records.delete_record(case, Kind.STATEMENT, rid)
        records.restore_record(case, deleted)
        assert records.get_record(case, Kind.STATEMENT, rid)["venue"] == "press call"
