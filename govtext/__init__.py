"""govtext: Chinese government information-disclosure annual reports (政府信息公开工作年度报告) as tidy tables.

>>> import govtext
>>> corpus = govtext.read_corpus("data/reports", progress=False)
>>> corpus.docs[["issuer", "year"]].values.tolist()
[['互助土族自治县人民政府', 2022]]

Heavy dependencies (jieba, cnloc, pdfplumber, scikit-learn, matplotlib) load on first use.
"""

__version__ = "0.2.0"

from .corpus import Corpus, read_corpus  # noqa: E402

__all__ = ["Corpus", "read_corpus", "__version__"]
