"""Domain-free helpers every app may use: bulk COPY writes, pagination, the CJK search tokenizer, Excel responses.

Nothing here knows about patents, institutions or roles; it imports no app of the project.
"""
