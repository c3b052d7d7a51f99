"""Mail: the outbox every message is written to (``outbox``), the messages themselves in
their recipient's language (``messages``), and the jobs the worker runs on a schedule
(``schedule``: reminders, digests). Delivery is ``app/worker.py``'s."""
