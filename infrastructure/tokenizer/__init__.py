"""OpenAI's o200k_base BPE, offline: the encoding ships in this package (see bpe.py)."""
