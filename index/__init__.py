"""Retrieval core: articles → passages → BM25 → cited, highlighted answers. Never imports telegram."""

from .article import Article, default_article
from .citation import Citation, cite, text_fragment_link
from .passages import Passage, split_passages
from .reader import ArticleError, parse_document, read_article
from .search import Answer, Hit, Index, Turn
from .tokens import tokenize

__all__ = [
    "Answer",
    "Article",
    "ArticleError",
    "Citation",
    "Hit",
    "Index",
    "Passage",
    "Turn",
    "cite",
    "default_article",
    "parse_document",
    "read_article",
    "split_passages",
    "text_fragment_link",
    "tokenize",
]
