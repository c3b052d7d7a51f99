"""Results: the scoring model (answer -> value -> theme scores), the aggregation of theme
scores into the figures of the results pages, disclosure control, the evidence behind a
score, the recommendation report, and the cache of aggregate results."""
