"""The search read models: the documents every search backend indexes."""
