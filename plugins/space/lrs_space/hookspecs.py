"""The hooks the personal space calls: declared here, by the plugin that calls them
(``add_hookspecs`` in lrs_space.plugin), not by the core."""

from __future__ import annotations

from lrs import hookspec


@hookspec(firstresult=True)
def classify_statement(statement: dict) -> "str | None":
    """Say which way of learning a statement records.

    Called for each statement shown in a personal learning space ("how I learn",
    filters, sharing by way of learning) and by plugins that group records by way of
    learning (CPD, forwarding filters). The built-in classifier runs last (``trylast``)
    and maps common verbs and activity types; a deployment maps its own vocabulary by
    answering first.

    :param statement: the statement as stored.
    :returns: one of ``courses``, ``content``, ``people``, ``work``, ``events``,
        ``other``; or ``None`` to leave it to the next plugin.
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
