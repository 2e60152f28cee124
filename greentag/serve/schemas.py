"""Request and response bodies of the HTTP API, as pydantic models (they are also the OpenAPI schema).

Requests are strict: a text must be a JSON string (not a number), ``top_k`` an
integer (not ``"3"`` or ``true``), and unknown fields are refused, so a typo
(``"treshold"``) is an error rather than silently ignored. Ranges (a threshold
in [0, 1], a positive ``top_k``) are checked by the library itself, with the
same messages as in Python.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

__all__ = [
    "ErrorDetail",
    "ErrorInfo",
    "ErrorResponse",
    "ExplainRequest",
    "ExplainResponse",
    "ExplanationOut",
    "HealthResponse",
    "LabelOut",
    "LabelsResponse",
    "ModelRef",
    "ReloadResponse",
    "TagManyRequest",
    "TagManyResponse",
    "TagOut",
    "TagRequest",
    "TagResponse",
    "TermOut",
]

_EXAMPLE = "Kazakhstan and China will run electric trucks on the trade corridor to Khorgos."


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Options(_Request):
    threshold: StrictFloat | None = Field(
        None, description="One threshold in [0, 1] for every label instead of the tuned per-label ones."
    )
    top_k: StrictInt | None = Field(None, description="Return at most this many tags (a positive integer).")
    lang: StrictStr | None = Field(
        None, description="The language of the text(s), one of the model's languages; detected when omitted."
    )


class TagRequest(_Options):
    """``POST /tag``: one document."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": _EXAMPLE, "top_k": 3}]})
    text: StrictStr = Field(description="The document (UTF-8; an empty text gets no tags).")


class TagManyRequest(_Options):
    """``POST /tag_many``: several documents, tagged with the same options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"texts": [_EXAMPLE, "Nurses treat patients at the new hospital."]}]},
    )
    texts: list[StrictStr] = Field(description="The documents; the answer keeps their order.")


class ExplainRequest(_Request):
    """``POST /explain``: the terms behind a document's tags."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": _EXAMPLE, "label": "green_technology", "top_n": 5}]}
    )
    text: StrictStr = Field(description="The document.")
    label: StrictStr | None = Field(None, description="Explain this label; when omitted, every tag the text gets.")
    top_n: StrictInt = Field(10, description="Terms reported per label (a positive integer).")
    lang: StrictStr | None = Field(None, description="The text's language; detected when omitted.")


class ModelRef(BaseModel):
    """The model that answered: its file name and the first 12 hex digits of the file's SHA-256."""

    id: str
    version: str


class TagOut(BaseModel):
    """One tag: a label and its calibrated probability."""

    label: str
    score: float


class TagResponse(BaseModel):
    """Tags of one document, best first."""

    tags: list[TagOut]
    model: ModelRef


class TagManyResponse(BaseModel):
    """Tags of each document, in the order of the request's ``texts``."""

    results: list[list[TagOut]]
    model: ModelRef


class TermOut(BaseModel):
    """A term of the document and its share of the label's log-odds."""

    term: str
    weight: float


class ExplanationOut(BaseModel):
    """Why a label got its score."""

    label: str
    score: float
    bias: float
    lang: str | None
    terms: list[TermOut]


class ExplainResponse(BaseModel):
    """One explanation per tag (or for the label asked for)."""

    explanations: list[ExplanationOut]
    model: ModelRef


class LabelOut(BaseModel):
    """A label the model can give."""

    id: str
    name: str
    definition: str | None
    threshold: float


class LabelsResponse(BaseModel):
    """The model's labels, in its column order, and the languages it reads."""

    labels: list[LabelOut]
    languages: list[str]
    model: ModelRef


class HealthResponse(BaseModel):
    """``ready`` once the model is loaded (HTTP 200); otherwise ``loading`` with HTTP 503."""

    status: str
    greentag_version: str
    uptime_seconds: float
    model: dict[str, object] | None = None


class ReloadResponse(BaseModel):
    """The model now being served, and the one before it."""

    status: str
    model: dict[str, object]
    previous: dict[str, object] | None
    workers: str


class ErrorDetail(BaseModel):
    """One field's problem."""

    field: str
    message: str
    type: str


class ErrorInfo(BaseModel):
    """What went wrong."""

    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    """Every error answer."""

    error: ErrorInfo
