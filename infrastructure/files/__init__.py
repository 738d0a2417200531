"""Adapters of the files context: storage strategies, images (Pillow), document text."""
