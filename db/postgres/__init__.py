"""The PostgreSQL store: team cases, each one schema of an office's database.

The counterpart of ``db.sqlite`` for a case on a server: it is the only place in the core that
imports psycopg or runs PostgreSQL-only SQL. A case address (``db.address``) names the database
and the case; ``case.ServerCase`` opens it and hands out SQLAlchemy connections whose
``search_path`` is the case's schema, so the record code written for case files runs unchanged.

The schema comes from the same SQLModel declarations as a case file's (``db.models``), through
numbered migrations (``migrations``); ``publish`` copies a case file or a JSON document onto the
server and a server case back into a case file; ``catalog`` lists the cases of a database and
compares a case's columns with the declarations; ``listen`` follows the changes others commit,
which the case's triggers announce with ``NOTIFY``.

``writes`` holds the bulk writes that the server spells its own way. Record versions and the
history are the server's (``migrations.p0004_history``, ``history``; ``db.versions`` checks
them). ``queries`` says what the list queries spell differently here, and ``search`` finds
typed words through the GIN index of each kind's words (``migrations.p0002_search``).
"""
