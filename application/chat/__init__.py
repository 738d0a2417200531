"""Chat turns: a user message, a model's streamed answer, and what the turn cost."""
