"""lrs-journal: a learning journal in any xAPI Learning Record Store."""
