"""Responding: a response from its first saved page to its review (responses, saving a
page, progress, answers kept when a save failed, review, reminders; the e-mails themselves are services/mailing's)."""
