"""Capture learning where people talk: a Slack-style slash command and message action,
and a Mattermost-style slash command / outgoing webhook, into the person's record."""
