"""Mail from the space: verifying that a claimed e-mail address is the claimant's.

Only when ``LRS_SMTP_URL`` is set; otherwise an administrator verifies claims.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import urlparse


def mail_configured(config) -> bool:
    return bool(config.smtp_url)


def send_mail(config, to: str, subject: str, text: str) -> None:
    url = urlparse(config.smtp_url)
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    with smtplib.SMTP(url.hostname or "localhost", url.port or 25, timeout=10) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(url.username, url.password or "")
        smtp.send_message(message)
