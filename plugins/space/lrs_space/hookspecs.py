"""The hooks the personal space calls: declared here, by the plugin that calls them
(``add_hookspecs`` in lrs_space.plugin), not by the core."""

from __future__ import annotations

from lrs import hookspec


@hookspec(firstresult=True)
def classify_statement(statement: dict) -> "str | None":
    """Say which way of learning a statement records.

    Called for each statement shown in a personal learning space ("how I learn",
    filters, sharing by way of learning) and by plugins that group records by way of
    learning (CPD, forwarding filters), through ``lrs_space.classifier``. When no
    plugin answers, the table decides (built-in lines and ``register_way_mappings``);
    answer here only for what a table cannot say. A person's own correction of a
    record's way (its annotation) comes before either.

    :param statement: the statement as stored.
    :returns: one of ``courses``, ``content``, ``people``, ``work``, ``events``,
        ``other``; or ``None`` to leave it to the next plugin and then the table.
    """


@hookspec
def register_way_mappings() -> "list | None":
    """Return lines to add to the table of ways of learning, or to change built-in ones.

    Called once per application, the first time a statement is classified. Each line
    maps a verb IRI, an activity type IRI or a platform's name (``context.platform``)
    to a way (docs/space.md, "Ways of learning", lists the built-in table and the order
    lines are consulted in). Two plugins mapping one name are an error.

    :returns: a list of :class:`lrs_space.WayMapping`.
    """


@hookspec
def archive_kinds() -> "list | None":
    """Return the kinds of a person's items that their whole-record archive carries.

    Called when a person downloads everything they own (``/space/archive``) and when
    such an archive is imported into another Learnfolio: items of these kinds go with
    the statements, each re-created for the importing person. Two plugins naming one
    kind are an error.

    :returns: a list of :class:`lrs_space.ArchiveKind`.
    """


@hookspec
def key_rows(person, lrs) -> "list[KeyRow] | None":
    """List, on the person's "My keys" page, what else lets a tool act for them.

    Called when "My keys" is shown, after the person's own keys are listed. A plugin that
    connects tools another way (OAuth's "Connect to Learnfolio") lists each connection, with
    the page of its own that revokes it, so a person sees and ends every tool acting for them
    in one place.

    :param person: the signed-in person.
    :param lrs: the application object.
    :returns: a list of :class:`lrs_space.KeyRow`.
    """
