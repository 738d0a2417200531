"""Building blocks shared by every bounded context: events, aggregates, errors."""
