"""jprivacy: read Japanese privacy policies, split them into clauses, label what each discloses.

>>> import jprivacy
>>> tagger = jprivacy.load()                 # the bundled model
>>> frame = tagger.tag_file("policy.txt")    # pandas DataFrame, one row per clause
"""

from .labels import CATEGORIES, LABELS
from .model_folder import ModelFolderError
from .readers import Document, ReadError, read_document
from .segment import Clause, segment
from .tagger import Tagger, load

__version__ = "0.1.0"
__all__ = ["load", "Tagger", "LABELS", "CATEGORIES", "segment", "Clause", "read_document",
           "Document", "ReadError", "ModelFolderError", "__version__"]
