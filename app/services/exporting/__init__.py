"""The parts of ``app.services.exports``: options, the question catalogue, streaming
reads, the three layouts and the CSV/XLSX writers."""
